package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/tcpreport/tcpreport/engine/exec/docker"
)

func newEnvCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Build and list the container environments reports run in",
		Long: `Env manages the Docker images that ':executor: docker:NAME' and
':environments: docker:NAME' run shards in. Images are built offline on the
local Docker Engine ($DOCKER_HOST, else the default socket) and never pulled
from a registry.

Each shard runs in a fresh container of the image, with the static tcpreport
worker copied in, no network, and the container removed afterwards.`,
		Example: `  tcpreport env build debian-bookworm
  tcpreport env build tcpreport-scratch --from scratch
  tcpreport env list`,
	}
	cmd.AddCommand(newEnvBuildCmd(g), newEnvListCmd(g), newEnvRmCmd(g))
	return cmd
}

func newEnvBuildCmd(g *globals) *cobra.Command {
	d := docker.Debootstrap{Suite: docker.DefaultSuite, Mirror: docker.DefaultMirror, Variant: docker.DefaultVariant}
	var from, worker, cache string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "build NAME [--from debootstrap|scratch]",
		Short: "Build an environment image from a debootstrap root filesystem or from scratch",
		Long: `Build makes the image NAME on the local Docker Engine, offline:

  --from debootstrap (default)  a Debian root filesystem made by debootstrap
      (--suite bookworm, --variant minbase, plus --include procps,iproute2 so
      that discovery finds system and network tools). debootstrap needs root
      and the Debian mirror the first time, a few minutes; the root filesystem
      is cached as a tarball in --cache (.tcpreport/env in the project), so
      building it again takes seconds.
  --from scratch  nothing but the static tcpreport worker at /tcpreport and an
      empty /tmp: the smallest environment a shard can run in.

The image is labelled tcpreport.env=NAME; 'tcpreport env list' shows it and
':executor: docker:NAME' runs in it. Building a name again replaces the image.`,
		Example: `  tcpreport env build debian-bookworm
  tcpreport env build debian-tools --include procps,iproute2,iputils-ping,curl
  tcpreport env build tcpreport-scratch --from scratch --worker bin/tcpreport`,
		Args: exactArgs(1, "the image NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if _, err := reference.ParseNormalizedNamed(name); err != nil || strings.ContainsAny(name, "@") {
				return usageError{fmt.Errorf("env build: %q is not an image name: use lower-case letters, digits and . _ - (e.g. debian-bookworm)", name)}
			}
			ctx := cmd.Context()
			start := time.Now()
			cli, err := docker.Client("")
			if err != nil {
				return fmt.Errorf("env build %s: %w", name, err)
			}
			defer cli.Close()
			if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
				return fmt.Errorf("env build %s: %w", name, docker.Unreachable("", err))
			}
			var id, how string
			switch from {
			case docker.FromScratch:
				path, err := docker.WorkerPath(worker)
				if err != nil {
					return fmt.Errorf("env build %s: %w", name, err)
				}
				bin, err := docker.ReadWorker(path, runtime.GOARCH)
				if err != nil {
					return fmt.Errorf("env build %s: %w", name, err)
				}
				if id, err = docker.BuildScratch(ctx, cli, name, bin); err != nil {
					return fmt.Errorf("env build %s: %w", name, err)
				}
				how = fmt.Sprintf("from scratch with the worker %s", path)
			case docker.FromDebootstrap:
				if cache == "" {
					cache = filepath.Join(projectRoot("report.md"), ".tcpreport", "env")
				}
				d.CacheDir = cache
				if verbose && !g.quiet {
					d.Log = g.stderr
				}
				if _, err := os.Stat(d.Tarball()); err != nil && !g.quiet {
					fmt.Fprintf(g.stderr, "env build %s: debootstrap %s from %s (first build: a few minutes; cached afterwards)\n", name, d.Detail(), d.Mirror)
				}
				rootfs, cached, err := d.Rootfs(ctx)
				if err != nil {
					return fmt.Errorf("env build %s: %w", name, err)
				}
				f, err := os.Open(rootfs)
				if err != nil {
					return fmt.Errorf("env build %s: %w", name, err)
				}
				defer f.Close()
				if id, err = docker.Import(ctx, cli, name, docker.FromDebootstrap, d.Detail(), f, docker.DebianChanges); err != nil {
					return fmt.Errorf("env build %s: %w", name, err)
				}
				how = fmt.Sprintf("from debootstrap (%s), root filesystem %s %s", d.Detail(), rootfs, map[bool]string{true: "(cached)", false: "(built now)"}[cached])
			default:
				return usageError{fmt.Errorf("env build: --from %q: use debootstrap or scratch", from)}
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "built %s (%.19s) %s in %v\n", name, id, how, time.Since(start).Round(time.Millisecond))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", docker.FromDebootstrap, "what to build from: `debootstrap` or scratch")
	f.StringVar(&d.Suite, "suite", d.Suite, "Debian `suite` for debootstrap")
	f.StringVar(&d.Mirror, "mirror", d.Mirror, "Debian mirror `URL` for debootstrap")
	f.StringVar(&d.Variant, "variant", d.Variant, "debootstrap `variant`")
	f.StringSliceVar(&d.Include, "include", docker.DefaultInclude, "extra Debian `packages` for debootstrap")
	f.StringVar(&cache, "cache", "", "`dir` of the cached root filesystem tarballs (default: .tcpreport/env in the project)")
	f.StringVar(&worker, "worker", "", "static tcpreport `binary` for --from scratch (default: $"+docker.EnvWorker+", else this one)")
	f.BoolVarP(&verbose, "verbose", "v", false, "show debootstrap's output")
	return cmd
}

func newEnvListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the environment images on the Docker Engine",
		Example: `  tcpreport env list`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := docker.Client("")
			if err != nil {
				return fmt.Errorf("env list: %w", err)
			}
			defer cli.Close()
			images, err := docker.List(cmd.Context(), cli)
			if err != nil {
				if client.IsErrConnectionFailed(err) {
					err = docker.Unreachable("", err)
				}
				return fmt.Errorf("env list: %w", err)
			}
			return writeImages(g.stdout, images)
		},
	}
}

func writeImages(w io.Writer, images []docker.Image) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFROM\tDETAIL\tSIZE\tCREATED\tID")
	for _, im := range images {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f MB\t%s\t%.19s\n", im.Name, im.From, im.Detail, float64(im.Size)/1e6, im.Created.Format(time.RFC3339), im.ID)
	}
	return tw.Flush()
}

func newEnvRmCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME...",
		Short:   "Remove environment images",
		Example: `  tcpreport env rm debian-bookworm`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, err := docker.Client("")
			if err != nil {
				return fmt.Errorf("env rm: %w", err)
			}
			defer cli.Close()
			images, err := docker.List(cmd.Context(), cli)
			if err != nil {
				if client.IsErrConnectionFailed(err) {
					err = docker.Unreachable("", err)
				}
				return fmt.Errorf("env rm: %w", err)
			}
			var errs []error
			for _, name := range args {
				known := false
				for _, im := range images {
					known = known || im.Name == name
				}
				if !known {
					errs = append(errs, fmt.Errorf("env rm: %s is not an environment image (see tcpreport env list)", name))
					continue
				}
				if _, err := cli.ImageRemove(cmd.Context(), name, client.ImageRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
					errs = append(errs, fmt.Errorf("env rm %s: %w", name, err))
					continue
				}
				if !g.quiet {
					fmt.Fprintf(g.stdout, "removed %s\n", name)
				}
			}
			return errors.Join(errs...)
		},
	}
}
