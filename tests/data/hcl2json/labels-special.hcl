blk "with space" {}
blk "with/slash" {}
blk "$${literal}" {}
blk "" {}
blk "\u00e9" {}
blk "<html>&" {}
