from drilltutor.cli import main

main()
