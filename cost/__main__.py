"""`python -m cost` (make cost): the cost of 1 000 000 orders per stack; `python -m cost
capacity` (make capacity): what breaks first as the order rate grows. Starts nothing."""

import argparse
import sys

import components  # noqa: F401 - first: it makes the functions' declarations importable
from cost.data import catalogue, measurements
from cost.report import capacity_report, cost_report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m cost", description=__doc__)
    parser.add_argument("report", nargs="?", choices=("cost", "capacity"), default="cost")
    args = parser.parse_args()
    prices, measured = catalogue(), measurements()
    report = cost_report if args.report == "cost" else capacity_report
    print(report(prices, measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
