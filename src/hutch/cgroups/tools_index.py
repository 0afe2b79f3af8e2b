"""Which argv[0] names are libcgroup tools, without importing them."""

TOOLS = ("cgcreate", "cgdelete", "cgexec", "cgset", "cgget", "cgclassify",
         "lscgroup", "lssubsys", "cgconfigparser", "cgsnapshot")


def run(prog, argv):
    import importlib
    return importlib.import_module(f"hutch.cgroups.tools.{prog}").main(argv)
