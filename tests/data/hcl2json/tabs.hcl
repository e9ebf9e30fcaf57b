a	=	1
blk {
	b = 2
	c = [1,	2]
}
