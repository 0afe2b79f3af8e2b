"""hutch version"""


def main(argv):
    from .. import __version__
    print(f"hutch {__version__}")
    return 0
