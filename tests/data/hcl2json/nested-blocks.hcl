outer "o" {
  name = "outer"
  middle {
    inner "i1" {
      value = 1
      innermost {
        deep = [1, 2]
      }
    }
    inner "i2" {
      value = 2
    }
  }
  middle {
    other = true
  }
}
