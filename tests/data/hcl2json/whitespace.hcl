

   a   =   1   


  blk   "x"   {

   b=2

  }

