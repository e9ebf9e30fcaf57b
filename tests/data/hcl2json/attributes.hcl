name = "node-17"
count = 3
enabled = true
disabled = false
nothing = null
