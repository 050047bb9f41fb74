package docker

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// buildHint says how to get a worker a container can run.
const buildHint = "build one with 'make build' (CGO_ENABLED=0 go build -o bin/tcpreport ./cmd/tcpreport) and run it, or point " + EnvWorker + " at it"

// WorkerPath returns the tcpreport binary to copy into containers: path
// when set, else $TCPREPORT_WORKER, else this executable.
func WorkerPath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	if p := os.Getenv(EnvWorker); p != "" {
		return p, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("worker: %w; %s", err, buildHint)
	}
	return exe, nil
}

// elfMachines maps image architectures (GOARCH names, as the engine
// reports them) to ELF machines.
var elfMachines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"arm64":   elf.EM_AARCH64,
	"386":     elf.EM_386,
	"arm":     elf.EM_ARM,
	"riscv64": elf.EM_RISCV,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
}

// ReadWorker reads the worker binary at path and checks that a container
// of architecture arch can run it: a statically linked Linux executable,
// since an image (from scratch, say) need not hold a C library or a
// dynamic loader.
func ReadWorker(path, arch string) ([]byte, error) {
	f, err := elf.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("worker: %w; %s", err, buildHint)
		}
		return nil, fmt.Errorf("worker %s is not a Linux executable (%v): %s", path, err, buildHint)
	}
	defer f.Close()
	if want, ok := elfMachines[arch]; ok && f.Machine != want {
		return nil, fmt.Errorf("worker %s is built for %s, the image is linux/%s: build it with GOARCH=%s; %s", path, f.Machine, arch, arch, buildHint)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("worker %s is dynamically linked and would not run in a minimal image: %s", path, buildHint)
		}
	}
	return os.ReadFile(path)
}
