from churnsim.workbench.cli import main

main()
