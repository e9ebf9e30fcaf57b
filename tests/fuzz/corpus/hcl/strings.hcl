a = "tab\there \"quoted\" back\\slash \u00e9\U0001F600 $${lit} %%{lit} $ % $$ 100%"
b = ""
c = "\u0000\r\n"
