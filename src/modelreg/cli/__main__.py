"""`python -m modelreg.cli`: the same as the `modelreg` command."""

from modelreg.cli import main

main()
