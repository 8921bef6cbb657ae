"""Splits `lipc --emit=ptx` output at its `// kernel module NAME` lines and
assembles every module with `ptxas -arch=ARCH`; prints how many were accepted,
or the first one that was not, with ptxas's message (exit 1).

usage: ptxas_each.py PTXAS ARCH FILE"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile


def modules(text):
    name, lines = None, []
    for line in text.splitlines(keepends=True):
        if line.startswith("// kernel module "):
            if name:
                yield name, "".join(lines)
            name, lines = line.split()[-1], []
        else:
            lines.append(line)
    if name:
        yield name, "".join(lines)


def assemble(ptxas, arch, directory, name, ptx):
    path = os.path.join(directory, name + ".ptx")
    with open(path, "w") as f:
        f.write(ptx)
    result = subprocess.run([ptxas, f"-arch={arch}", path, "-o", os.devnull], capture_output=True, text=True)
    return name, result.returncode, (result.stdout + result.stderr).strip() or f"exit status {result.returncode}"


def main():
    ptxas, arch, path = sys.argv[1:4]
    found = list(modules(open(path).read()))
    if not found:
        sys.exit("no kernel modules in " + path)
    with tempfile.TemporaryDirectory() as directory, \
            concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        results = list(pool.map(lambda m: assemble(ptxas, arch, directory, *m), found))
    for name, code, stderr in results:
        if code:
            print(f"ptxas rejected {name}:\n{stderr}")
            sys.exit(1)
    print(f"{len(results)} kernel modules, all accepted by ptxas -arch={arch}")


if __name__ == "__main__":
    main()
