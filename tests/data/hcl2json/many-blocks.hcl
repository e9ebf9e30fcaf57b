item "i000" {
  index = 0
  name = "item 0"
}
item "i001" {
  index = 1
  name = "item 1"
}
item "i002" {
  index = 2
  name = "item 2"
}
item "i003" {
  index = 3
  name = "item 3"
}
item "i004" {
  index = 4
  name = "item 4"
}
item "i005" {
  index = 5
  name = "item 5"
}
item "i006" {
  index = 6
  name = "item 6"
}
item "i007" {
  index = 7
  name = "item 7"
}
item "i008" {
  index = 8
  name = "item 8"
}
item "i009" {
  index = 9
  name = "item 9"
}
item "i010" {
  index = 10
  name = "item 10"
}
item "i011" {
  index = 11
  name = "item 11"
}
item "i012" {
  index = 12
  name = "item 12"
}
item "i013" {
  index = 13
  name = "item 13"
}
item "i014" {
  index = 14
  name = "item 14"
}
item "i015" {
  index = 15
  name = "item 15"
}
item "i016" {
  index = 16
  name = "item 16"
}
item "i017" {
  index = 17
  name = "item 17"
}
item "i018" {
  index = 18
  name = "item 18"
}
item "i019" {
  index = 19
  name = "item 19"
}
item "i020" {
  index = 20
  name = "item 20"
}
item "i021" {
  index = 21
  name = "item 21"
}
item "i022" {
  index = 22
  name = "item 22"
}
item "i023" {
  index = 23
  name = "item 23"
}
item "i024" {
  index = 24
  name = "item 24"
}
item "i025" {
  index = 25
  name = "item 25"
}
item "i026" {
  index = 26
  name = "item 26"
}
item "i027" {
  index = 27
  name = "item 27"
}
item "i028" {
  index = 28
  name = "item 28"
}
item "i029" {
  index = 29
  name = "item 29"
}
item "i030" {
  index = 30
  name = "item 30"
}
item "i031" {
  index = 31
  name = "item 31"
}
item "i032" {
  index = 32
  name = "item 32"
}
item "i033" {
  index = 33
  name = "item 33"
}
item "i034" {
  index = 34
  name = "item 34"
}
item "i035" {
  index = 35
  name = "item 35"
}
item "i036" {
  index = 36
  name = "item 36"
}
item "i037" {
  index = 37
  name = "item 37"
}
item "i038" {
  index = 38
  name = "item 38"
}
item "i039" {
  index = 39
  name = "item 39"
}
item "i040" {
  index = 40
  name = "item 40"
}
item "i041" {
  index = 41
  name = "item 41"
}
item "i042" {
  index = 42
  name = "item 42"
}
item "i043" {
  index = 43
  name = "item 43"
}
item "i044" {
  index = 44
  name = "item 44"
}
item "i045" {
  index = 45
  name = "item 45"
}
item "i046" {
  index = 46
  name = "item 46"
}
item "i047" {
  index = 47
  name = "item 47"
}
item "i048" {
  index = 48
  name = "item 48"
}
item "i049" {
  index = 49
  name = "item 49"
}
item "i050" {
  index = 50
  name = "item 50"
}
item "i051" {
  index = 51
  name = "item 51"
}
item "i052" {
  index = 52
  name = "item 52"
}
item "i053" {
  index = 53
  name = "item 53"
}
item "i054" {
  index = 54
  name = "item 54"
}
item "i055" {
  index = 55
  name = "item 55"
}
item "i056" {
  index = 56
  name = "item 56"
}
item "i057" {
  index = 57
  name = "item 57"
}
item "i058" {
  index = 58
  name = "item 58"
}
item "i059" {
  index = 59
  name = "item 59"
}
item "i060" {
  index = 60
  name = "item 60"
}
item "i061" {
  index = 61
  name = "item 61"
}
item "i062" {
  index = 62
  name = "item 62"
}
item "i063" {
  index = 63
  name = "item 63"
}
item "i064" {
  index = 64
  name = "item 64"
}
item "i065" {
  index = 65
  name = "item 65"
}
item "i066" {
  index = 66
  name = "item 66"
}
item "i067" {
  index = 67
  name = "item 67"
}
item "i068" {
  index = 68
  name = "item 68"
}
item "i069" {
  index = 69
  name = "item 69"
}
item "i070" {
  index = 70
  name = "item 70"
}
item "i071" {
  index = 71
  name = "item 71"
}
item "i072" {
  index = 72
  name = "item 72"
}
item "i073" {
  index = 73
  name = "item 73"
}
item "i074" {
  index = 74
  name = "item 74"
}
item "i075" {
  index = 75
  name = "item 75"
}
item "i076" {
  index = 76
  name = "item 76"
}
item "i077" {
  index = 77
  name = "item 77"
}
item "i078" {
  index = 78
  name = "item 78"
}
item "i079" {
  index = 79
  name = "item 79"
}
item "i080" {
  index = 80
  name = "item 80"
}
item "i081" {
  index = 81
  name = "item 81"
}
item "i082" {
  index = 82
  name = "item 82"
}
item "i083" {
  index = 83
  name = "item 83"
}
item "i084" {
  index = 84
  name = "item 84"
}
item "i085" {
  index = 85
  name = "item 85"
}
item "i086" {
  index = 86
  name = "item 86"
}
item "i087" {
  index = 87
  name = "item 87"
}
item "i088" {
  index = 88
  name = "item 88"
}
item "i089" {
  index = 89
  name = "item 89"
}
item "i090" {
  index = 90
  name = "item 90"
}
item "i091" {
  index = 91
  name = "item 91"
}
item "i092" {
  index = 92
  name = "item 92"
}
item "i093" {
  index = 93
  name = "item 93"
}
item "i094" {
  index = 94
  name = "item 94"
}
item "i095" {
  index = 95
  name = "item 95"
}
item "i096" {
  index = 96
  name = "item 96"
}
item "i097" {
  index = 97
  name = "item 97"
}
item "i098" {
  index = 98
  name = "item 98"
}
item "i099" {
  index = 99
  name = "item 99"
}
item "i100" {
  index = 100
  name = "item 100"
}
item "i101" {
  index = 101
  name = "item 101"
}
item "i102" {
  index = 102
  name = "item 102"
}
item "i103" {
  index = 103
  name = "item 103"
}
item "i104" {
  index = 104
  name = "item 104"
}
item "i105" {
  index = 105
  name = "item 105"
}
item "i106" {
  index = 106
  name = "item 106"
}
item "i107" {
  index = 107
  name = "item 107"
}
item "i108" {
  index = 108
  name = "item 108"
}
item "i109" {
  index = 109
  name = "item 109"
}
item "i110" {
  index = 110
  name = "item 110"
}
item "i111" {
  index = 111
  name = "item 111"
}
item "i112" {
  index = 112
  name = "item 112"
}
item "i113" {
  index = 113
  name = "item 113"
}
item "i114" {
  index = 114
  name = "item 114"
}
item "i115" {
  index = 115
  name = "item 115"
}
item "i116" {
  index = 116
  name = "item 116"
}
item "i117" {
  index = 117
  name = "item 117"
}
item "i118" {
  index = 118
  name = "item 118"
}
item "i119" {
  index = 119
  name = "item 119"
}
item "i120" {
  index = 120
  name = "item 120"
}
item "i121" {
  index = 121
  name = "item 121"
}
item "i122" {
  index = 122
  name = "item 122"
}
item "i123" {
  index = 123
  name = "item 123"
}
item "i124" {
  index = 124
  name = "item 124"
}
item "i125" {
  index = 125
  name = "item 125"
}
item "i126" {
  index = 126
  name = "item 126"
}
item "i127" {
  index = 127
  name = "item 127"
}
item "i128" {
  index = 128
  name = "item 128"
}
item "i129" {
  index = 129
  name = "item 129"
}
item "i130" {
  index = 130
  name = "item 130"
}
item "i131" {
  index = 131
  name = "item 131"
}
item "i132" {
  index = 132
  name = "item 132"
}
item "i133" {
  index = 133
  name = "item 133"
}
item "i134" {
  index = 134
  name = "item 134"
}
item "i135" {
  index = 135
  name = "item 135"
}
item "i136" {
  index = 136
  name = "item 136"
}
item "i137" {
  index = 137
  name = "item 137"
}
item "i138" {
  index = 138
  name = "item 138"
}
item "i139" {
  index = 139
  name = "item 139"
}
item "i140" {
  index = 140
  name = "item 140"
}
item "i141" {
  index = 141
  name = "item 141"
}
item "i142" {
  index = 142
  name = "item 142"
}
item "i143" {
  index = 143
  name = "item 143"
}
item "i144" {
  index = 144
  name = "item 144"
}
item "i145" {
  index = 145
  name = "item 145"
}
item "i146" {
  index = 146
  name = "item 146"
}
item "i147" {
  index = 147
  name = "item 147"
}
item "i148" {
  index = 148
  name = "item 148"
}
item "i149" {
  index = 149
  name = "item 149"
}
