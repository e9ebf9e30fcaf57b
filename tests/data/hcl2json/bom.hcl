a = 1
b = "bom"
