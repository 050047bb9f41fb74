# tcpreport — make targets. 'make report' and 'make test' work on a fresh
# Debian 12 machine with Go: 'make deps' installs what they need.

GO       ?= go
BIN      := bin/tcpreport
MODULE   := github.com/tcpreport/tcpreport
VCS      := $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
LDFLAGS  := -X $(MODULE)/engine.vcsRevision=$(VCS)
REPORT   ?= reports/gate8.md
FUZZTIME ?= 60s

.PHONY: all deps build test vet report bench fuzz clean

all: build

# deps installs the Debian packages the tests and the flagship report need
# (only those missing) and downloads the Go modules. Idempotent.
deps:
	@./.ci/deps
	@$(GO) mod download

# build makes a static binary (CGO_ENABLED=0; modernc SQLite is pure Go),
# so that the docker executor can copy it into any linux/amd64 image as the
# worker, a scratch image included.
build:
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tcpreport

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...

# test runs every test with the real components (SQLite files, processes).
test: deps vet
	$(GO) test -count=1 -timeout 20m ./...

# report renders the flagship report. When a Docker Engine answers, its
# discovery also runs in a Debian container, built offline once (about a
# minute) and kept as the image debian-bookworm.
report: deps build
	@envs=local; if ./$(BIN) env list >/dev/null 2>&1; then \
		./$(BIN) env list | grep -q '^debian-bookworm ' || ./$(BIN) env build debian-bookworm; \
		envs='local, docker:debian-bookworm'; \
	fi; \
	echo "./$(BIN) build -p environments='$$envs' $(REPORT)"; \
	./$(BIN) build -p "environments=$$envs" $(REPORT)

# bench prints the validation throughput table (backends, sizes, threads,
# the read-bandwidth reference, the Python peer and the 0.5 G/s goal), runs
# the Go benchmarks, then times whole tcpreport
# processes: one cold build of the flagship report (it runs every
# experiment) and warm rebuilds served from the cache.
bench: build
	./$(BIN) bench --threads 1,2
	$(GO) test -run '^$$' -bench . -benchmem -skip BuildProcess ./...
	$(GO) test -run '^$$' -bench BuildProcess/cold -benchtime 1x ./cmd/tcpreport
	$(GO) test -run '^$$' -bench BuildProcess/warm -benchtime 10x ./cmd/tcpreport

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./engine/doc

clean:
	rm -rf bin .tcpreport artifacts/*/ artifacts/*.tar.gz
