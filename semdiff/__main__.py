"""`python -m semdiff`: the same command as the `semdiff` console script."""
from semdiff.cli import main

if __name__ == "__main__":
    main()
