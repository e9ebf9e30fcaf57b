deep = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
obj = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = { a = 1 } } } } } } } } } } } } } } } } } } } }
level0 {
  level1 {
    level2 {
      level3 {
        level4 {
          level5 {
            level6 {
              level7 {
                level8 {
                  level9 {
                    level10 {
                      level11 {
                        level12 {
                          level13 {
                            level14 {
                              level15 {
                                level16 {
                                  level17 {
                                    level18 {
                                      level19 {
                                        leaf = true
                                      }
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
