from lurewatch.cli.app import main

main()
