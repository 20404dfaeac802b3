from drilltutor.entry import main

main()
