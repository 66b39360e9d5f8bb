from pinless.cli import main

main()
