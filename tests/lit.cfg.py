# lit configuration for lmc's IR tests (tests/dialects, tests/passes).
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "lmc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.lmc_obj_root, "tests")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "e2e",
                   "conformance"]

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
tool_dirs = [config.lmc_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["lmc-opt", "lmc", "not"], tool_dirs)
