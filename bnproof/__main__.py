from bnproof.cli import main

main()
