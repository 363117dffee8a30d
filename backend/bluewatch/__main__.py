from bluewatch.cli import main

main()
