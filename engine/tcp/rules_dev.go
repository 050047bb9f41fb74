package tcp

import "strings"

// Rules for tools with subcommands: version control, containers,
// orchestration, infrastructure, services and package managers.

var gitLong = []string{"--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix"}

func gitRule(args []string, p *part) {
	s, rest := sub(args, "Cc", gitLong)
	fm := FlagFileModification
	switch s {
	case "", "status", "log", "diff", "show", "blame", "annotate", "grep", "ls-files", "ls-tree", "rev-parse", "rev-list",
		"describe", "shortlog", "cat-file", "whatchanged", "help", "version", "count-objects", "fsck", "show-ref",
		"for-each-ref", "name-rev", "merge-base", "var", "check-ignore", "check-attr", "diff-tree", "diff-files",
		"diff-index", "range-diff", "cherry", "verify-commit", "verify-tag", "show-branch", "difftool":
		p.set(Safe, "git "+s+": reads the repository")
	case "ls-remote":
		p.flags |= FlagNetworkAccess
		p.set(Safe, "git ls-remote: reads a remote's references")
	case "fetch", "pull", "clone":
		p.flags |= FlagNetworkAccess | fm
		p.set(LowRisk, "git "+s+": downloads commits")
	case "add", "stage", "commit", "init", "mv", "merge", "cherry-pick", "revert", "am", "apply", "bisect", "notes",
		"archive", "format-patch", "submodule", "sparse-checkout", "mergetool", "maintenance", "prune", "repack",
		"pack-refs", "lfs", "update-index", "restore-staged", "citool", "gui":
		p.flags |= fm
		p.set(LowRisk, "git "+s+": local change that history can undo")
	case "gc":
		p.flags |= fm
		if has(rest, "", 0, "--prune") && strings.Contains(strings.Join(rest, " "), "--prune=now") {
			p.set(MediumRisk, "git gc --prune=now: drops unreachable commits for good")
		} else {
			p.set(LowRisk, "git gc: housekeeping")
		}
	case "switch":
		p.flags |= fm
		if has(rest, "cC", 'f', "--force", "--discard-changes") {
			p.set(HighRisk, "git switch --discard-changes: throws away uncommitted work")
		} else {
			p.set(LowRisk, "git switch: changes branch")
		}
	case "rebase":
		p.flags |= fm
		if has(rest, "", 0, "--abort", "--continue", "--skip", "--quit") {
			p.set(LowRisk, "git rebase: finishes or abandons a rebase")
		} else {
			p.set(MediumRisk, "git rebase: rewrites local history")
		}
	case "rm":
		p.flags |= fm
		if has(rest, "", 0, "--cached") {
			p.set(LowRisk, "git rm --cached: untracks files, keeps them")
		} else if has(rest, "", 'r') {
			p.flags |= FlagDestructive
			p.set(HighRisk, "git rm -r: deletes a tree of files")
		} else {
			p.flags |= FlagDestructive
			p.set(MediumRisk, "git rm: deletes files")
		}
	case "push":
		p.flags |= FlagNetworkAccess
		force := has(rest, "oC", 'f', "--force", "--force-with-lease", "--force-if-includes", "--mirror", "--delete", "--prune") || has(rest, "oC", 'd')
		for _, a := range rest {
			if len(a) > 1 && (a[0] == '+' || a[0] == ':') {
				force = true
			}
		}
		if force {
			p.flags |= FlagDestructive
			p.set(HighRisk, "git push --force/--delete: rewrites or deletes history others share")
		} else {
			p.set(MediumRisk, "git push: publishes commits to a shared remote")
		}
	case "reset":
		p.flags |= fm
		switch {
		case has(rest, "", 0, "--hard"):
			p.flags |= FlagDestructive
			p.set(HighRisk, "git reset --hard: discards uncommitted changes for good")
		case has(rest, "", 0, "--merge", "--keep"):
			p.set(MediumRisk, "git reset: moves the branch and updates files")
		case hasWord(rest, "--") || countOperands(rest, "") > 1:
			p.set(LowRisk, "git reset PATH: unstages files") // with paths only the index changes
		case anyOperand(rest, "", isRevision):
			p.set(MediumRisk, "git reset: moves the branch to another commit")
		default:
			p.set(LowRisk, "git reset: unstages files")
		}
	case "clean":
		p.flags |= fm
		switch {
		case has(rest, "eE", 'n', "--dry-run"):
			p.set(Safe, "git clean -n: lists what would be deleted")
		case has(rest, "eE", 'f', "--force"):
			p.flags |= FlagDestructive
			p.set(HighRisk, "git clean -f: deletes untracked files for good")
		default:
			p.set(LowRisk, "git clean: refuses to work without -f")
		}
	case "checkout":
		p.flags |= fm
		paths := false
		for i, a := range rest {
			if a == "--" {
				paths = true
				for _, x := range rest[i+1:] {
					if x == "." || x == "*" || x == ":/" {
						p.flags |= FlagDestructive
						p.set(HighRisk, "git checkout -- .: discards every uncommitted change")
						return
					}
				}
			}
		}
		switch {
		case has(rest, "bB", 'f', "--force"):
			p.flags |= FlagDestructive
			p.set(HighRisk, "git checkout --force: discards uncommitted changes")
		case hasWord(rest, "."):
			p.flags |= FlagDestructive
			p.set(HighRisk, "git checkout .: discards every uncommitted change")
		case paths:
			p.set(MediumRisk, "git checkout -- FILE: discards uncommitted changes to files")
		default:
			p.set(LowRisk, "git checkout: changes branch")
		}
	case "restore":
		p.flags |= fm
		staged := has(rest, "sS", 0, "--staged") && !has(rest, "sS", 'W', "--worktree")
		switch {
		case staged:
			p.set(LowRisk, "git restore --staged: unstages files")
		case hasWord(rest, ".", "*", ":/"):
			p.flags |= FlagDestructive
			p.set(HighRisk, "git restore .: discards every uncommitted change")
		default:
			p.set(MediumRisk, "git restore: discards uncommitted changes to files")
		}
	case "branch":
		switch {
		case has(rest, "", 'D') || has(rest, "", 'd', "--delete") && has(rest, "", 'f', "--force"):
			p.set(MediumRisk, "git branch -D: deletes a branch even if unmerged")
		case has(rest, "", 'd', "--delete"):
			p.set(LowRisk, "git branch -d: deletes a merged branch")
		case has(rest, "", 'm') || has(rest, "", 'M') || has(rest, "", 'c') || has(rest, "", 'C') || has(rest, "", 'u', "--set-upstream-to", "--move", "--copy", "--unset-upstream"):
			p.set(LowRisk, "git branch: renames or configures a branch")
		case anyOperand(rest, "", func(string) bool { return true }) && !has(rest, "", 'l', "--list", "--contains", "--merged", "--no-merged", "--points-at"):
			p.set(LowRisk, "git branch: creates a branch")
		default:
			p.set(Safe, "git branch: lists branches")
		}
	case "stash":
		s2, _ := sub(rest, "", nil)
		switch s2 {
		case "list", "show":
			p.set(Safe, "git stash "+s2+": reads stashes")
		case "drop", "clear":
			p.flags |= FlagDestructive
			p.set(MediumRisk, "git stash "+s2+": deletes stashed changes")
		default:
			p.flags |= fm
			p.set(LowRisk, "git stash: sets changes aside")
		}
	case "tag":
		switch {
		case has(rest, "umF", 'd', "--delete"):
			p.set(MediumRisk, "git tag -d: deletes a tag")
		case has(rest, "umF", 'l', "--list") || !anyOperand(rest, "umF", func(string) bool { return true }):
			p.set(Safe, "git tag: lists tags")
		default:
			p.set(LowRisk, "git tag: creates a tag")
		}
	case "remote":
		s2, _ := sub(rest, "", nil)
		switch s2 {
		case "", "show", "get-url":
			p.set(Safe, "git remote: lists remotes")
		case "remove", "rm":
			p.set(MediumRisk, "git remote remove: forgets a remote and its branches")
		default:
			p.set(LowRisk, "git remote "+s2+": changes remote settings")
		}
	case "config":
		switch {
		case has(rest, "f", 'l', "--list", "--get", "--get-all", "--get-regexp", "--get-urlmatch", "--show-origin", "--show-scope"):
			p.set(Safe, "git config: reads settings")
		default:
			n := 0
			for _, a := range rest {
				if !strings.HasPrefix(a, "-") {
					n++
				}
			}
			if n <= 1 && !has(rest, "f", 0, "--unset", "--unset-all", "--remove-section", "--rename-section", "--add", "--edit") && !has(rest, "f", 'e') {
				p.set(Safe, "git config: reads a setting")
			} else {
				p.set(LowRisk, "git config: changes settings")
			}
		}
	case "reflog":
		s2, _ := sub(rest, "", nil)
		if s2 == "expire" || s2 == "delete" {
			p.flags |= FlagDestructive
			p.set(MediumRisk, "git reflog "+s2+": drops the safety net of old commits")
		} else {
			p.set(Safe, "git reflog: reads the reflog")
		}
	case "update-ref":
		if has(rest, "m", 'd') {
			p.set(HighRisk, "git update-ref -d: deletes a reference")
		} else {
			p.set(MediumRisk, "git update-ref: moves a reference directly")
		}
	case "worktree":
		s2, r2 := sub(rest, "", nil)
		switch {
		case s2 == "remove" && has(r2, "", 'f', "--force"):
			p.set(HighRisk, "git worktree remove --force: deletes a worktree with its changes")
		case s2 == "remove" || s2 == "prune":
			p.set(MediumRisk, "git worktree "+s2+": deletes a worktree")
		case s2 == "list":
			p.set(Safe, "git worktree list")
		default:
			p.set(LowRisk, "git worktree "+s2)
		}
	case "filter-branch", "filter-repo", "replace":
		p.flags |= FlagDestructive | fm
		p.set(HighRisk, "git "+s+": rewrites the whole history")
	case "send-email", "request-pull":
		p.flags |= FlagNetworkAccess
		p.set(MediumRisk, "git "+s+": sends mail")
	case "daemon", "instaweb", "http-backend":
		p.flags |= FlagNetworkAccess
		p.set(MediumRisk, "git "+s+": serves the repository")
	}
}

// isRevision reports whether an operand looks like a commit rather than a
// path: HEAD~1, main^, @{u}, a hex object name.
func isRevision(s string) bool {
	if strings.ContainsAny(s, "~^@") || strings.HasPrefix(s, "HEAD") || strings.HasPrefix(s, "origin/") {
		return true
	}
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

var dockerLong = []string{"--host", "--context", "--config", "--log-level", "--tlscacert", "--tlscert", "--tlskey", "--url", "--connection", "--root", "--runroot"}

func dockerRule(args []string, p *part) {
	s, rest := sub(args, "Hcl", dockerLong)
	obj := ""
	switch s {
	case "container", "image", "volume", "network", "system", "builder", "buildx", "context", "plugin", "node",
		"service", "stack", "swarm", "secret", "config", "manifest", "trust", "checkpoint", "machine", "pod":
		obj = s
		s, rest = sub(rest, "", nil)
	case "compose":
		composeRule(rest, p)
		return
	}
	if s == "ls" || s == "list" {
		s = "ps"
	}
	if obj == "container" && s == "prune" || obj == "image" && s == "prune" {
		p.set(MediumRisk, "docker "+obj+" prune: deletes unused "+obj+"s")
		return
	}
	if obj == "image" && (s == "rm" || s == "remove") {
		s = "rmi"
	}
	switch obj {
	case "volume":
		switch s {
		case "ps", "inspect":
			p.set(Safe, "docker volume "+s+": read-only")
		case "create":
			p.set(LowRisk, "docker volume create")
		case "rm", "remove", "prune":
			p.flags |= FlagDestructive
			p.set(HighRisk, "docker volume "+s+": deletes volumes and the data in them")
		}
		return
	case "network":
		switch s {
		case "ps", "inspect":
			p.set(Safe, "docker network "+s+": read-only")
		case "create", "connect":
			p.set(LowRisk, "docker network "+s)
		case "rm", "remove", "prune", "disconnect":
			p.set(MediumRisk, "docker network "+s+": removes networking containers may need")
		}
		return
	case "system":
		switch s {
		case "df", "info", "events":
			p.set(Safe, "docker system "+s+": read-only")
		case "prune":
			if has(rest, "f", 'a', "--all", "--volumes") {
				p.flags |= FlagDestructive
				p.set(HighRisk, "docker system prune -a/--volumes: deletes all unused images, containers and volumes")
			} else {
				p.set(MediumRisk, "docker system prune: deletes stopped containers and dangling images")
			}
		}
		return
	case "builder", "buildx":
		if s == "ps" || s == "inspect" || s == "du" || s == "version" {
			p.set(Safe, "docker "+obj+" "+s)
		} else {
			p.set(LowRisk, "docker "+obj+" "+s+": build cache and builders")
		}
		return
	case "context", "plugin", "manifest", "trust", "checkpoint", "machine":
		if s == "ps" || s == "inspect" || s == "show" {
			p.set(Safe, "docker "+obj+" "+s)
		}
		return
	case "node", "service", "stack", "secret", "config", "swarm", "pod":
		switch s {
		case "ps", "inspect", "logs", "services":
			p.set(Safe, "docker "+obj+" "+s+": read-only")
		case "rm", "remove", "leave", "demote":
			p.flags |= FlagDestructive
			p.set(HighRisk, "docker "+obj+" "+s+": removes running services or cluster members")
		case "":
		default:
			p.set(MediumRisk, "docker "+obj+" "+s+": changes the cluster")
		}
		return
	}
	switch s {
	case "", "ps", "images", "logs", "inspect", "version", "info", "stats", "top", "port", "diff", "history", "search", "events", "wait":
		p.set(Safe, "docker "+s+": read-only")
	case "pull", "build", "tag", "create", "start", "login", "logout", "save", "load", "export", "import":
		p.set(LowRisk, "docker "+s)
		if s == "create" {
			dockerRun(rest, p)
		}
	case "run":
		p.set(MediumRisk, "docker run: runs a container")
		dockerRun(rest, p)
	case "rm":
		if has(rest, "", 'f', "--force") || has(rest, "", 'v', "--volumes") {
			p.flags |= FlagDestructive
			p.set(HighRisk, "docker rm -f/-v: kills running containers or deletes their volumes")
		} else {
			p.set(MediumRisk, "docker rm: deletes containers")
		}
	case "exec", "stop", "restart", "kill", "rmi", "push", "pause", "unpause", "update", "rename", "cp", "commit", "attach":
		p.set(MediumRisk, "docker "+s+": changes running containers or shared images")
	}
}

// dockerRun raises docker run/create when the container gets the host.
func dockerRun(args []string, p *part) {
	o := opts{args: args, withArg: "aceEhlmpuvw", long: []string{"--volume", "--mount", "--pid", "--network", "--net", "--cap-add", "--security-opt", "--device", "--userns", "--name", "--env", "--publish", "--user", "--workdir", "--entrypoint", "--ipc", "--uts"}}
	for a, ok := o.next(); ok; a, ok = o.next() {
		if a.operand {
			break // the image: the rest is the container's command
		}
		v := a.val
		danger := false
		switch {
		case a.long == "--privileged":
			danger = true
		case a.long == "--pid" || a.long == "--ipc" || a.long == "--uts" || a.long == "--userns":
			danger = v == "host"
		case a.long == "--cap-add":
			danger = v == "ALL" || v == "SYS_ADMIN" || v == "CAP_SYS_ADMIN" || v == "SYS_PTRACE" || v == "SYS_MODULE"
		case a.long == "--security-opt":
			danger = strings.Contains(v, "unconfined")
		case a.long == "--device":
			danger = isBlockDevice(v)
		case a.short == 'v' || a.long == "--volume" || a.long == "--mount":
			src := v
			if a.long == "--mount" {
				for _, kv := range strings.Split(v, ",") {
					if s, ok := strings.CutPrefix(kv, "source="); ok {
						src = s + ":"
					} else if s, ok := strings.CutPrefix(kv, "src="); ok {
						src = s + ":"
					}
				}
			}
			host, _, _ := strings.Cut(src, ":")
			danger = host == "/" || strings.Contains(host, "docker.sock") || isCritical(host) && host != "*" || host == "/etc" || host == "/root" || strings.HasPrefix(host, "/etc/")
		}
		if danger {
			p.flags |= FlagPrivilegeEscalation
			p.set(HighRisk, "the container gets the host: privileged, host namespaces, the host's / or the Docker socket")
			return
		}
	}
}

var composeLong = []string{"--file", "--project-name", "--project-directory", "--env-file", "--profile", "--ansi", "--parallel", "--progress"}

func composeRule(args []string, p *part) {
	s, rest := sub(args, "fp", composeLong)
	switch s {
	case "", "ps", "logs", "config", "ls", "images", "top", "version", "events", "port", "convert":
		p.set(Safe, "compose "+s+": read-only")
	case "build", "pull", "create":
		p.set(LowRisk, "compose "+s)
	case "down", "rm":
		if has(rest, "t", 'v', "--volumes", "--rmi") {
			p.flags |= FlagDestructive
			p.set(HighRisk, "compose "+s+" -v: deletes the project's volumes and their data")
		} else {
			p.set(MediumRisk, "compose "+s+": stops and removes the project's containers")
		}
	case "up", "start", "restart", "stop", "kill", "pause", "unpause", "run", "exec", "cp", "push", "scale", "watch":
		p.set(MediumRisk, "compose "+s+": changes running services")
	}
}

var kubeLong = []string{"--namespace", "--context", "--kubeconfig", "--server", "--cluster", "--user", "--token", "--selector", "--output", "--filename"}

func kubectlRule(args []string, p *part) {
	p.flags |= FlagNetworkAccess
	s, rest := sub(args, "nslocfL", kubeLong)
	switch s {
	case "", "get", "describe", "logs", "top", "explain", "version", "api-resources", "api-versions", "cluster-info",
		"events", "diff", "auth", "completion", "kustomize", "whoami", "plugin", "options":
		p.set(Safe, "kubectl "+s+": reads the cluster")
	case "port-forward", "proxy", "wait":
		p.set(LowRisk, "kubectl "+s)
	case "config":
		s2, _ := sub(rest, "", nil)
		switch {
		case strings.HasPrefix(s2, "get-") || s2 == "view" || s2 == "current-context":
			p.set(Safe, "kubectl config "+s2+": reads the client configuration")
		case strings.HasPrefix(s2, "delete-") || s2 == "unset":
			p.set(MediumRisk, "kubectl config "+s2+": removes client configuration")
		default:
			p.set(LowRisk, "kubectl config "+s2+": changes the client configuration")
		}
	case "rollout":
		s2, _ := sub(rest, "", nil)
		if s2 == "status" || s2 == "history" {
			p.set(Safe, "kubectl rollout "+s2)
		} else {
			p.set(MediumRisk, "kubectl rollout "+s2+": changes a deployment")
		}
	case "apply", "create", "edit", "patch", "label", "annotate", "scale", "autoscale", "expose", "run", "set",
		"exec", "cp", "attach", "cordon", "uncordon", "certificate", "debug":
		p.set(MediumRisk, "kubectl "+s+": changes the cluster")
	case "replace":
		if has(rest, "nf", 0, "--force") {
			p.set(HighRisk, "kubectl replace --force: deletes and recreates resources")
		} else {
			p.set(MediumRisk, "kubectl replace: changes the cluster")
		}
	case "delete":
		p.flags |= FlagDestructive
		switch {
		case has(rest, "nlf", 'A', "--all-namespaces"):
			p.set(Critical, "kubectl delete across all namespaces")
		case hasWord(rest, "kube-system", "namespace/kube-system", "ns/kube-system"):
			p.set(Critical, "kubectl delete in or of kube-system: breaks the cluster")
		default:
			p.set(HighRisk, "kubectl delete: removes cluster resources")
		}
	case "drain", "taint":
		p.set(HighRisk, "kubectl "+s+": evicts workloads from nodes")
	}
}

func helmRule(args []string, p *part) {
	p.flags |= FlagNetworkAccess
	verbRule(args, p, "n", verbs{
		safe: "list ls status get history search show template version lint env dependency verify help",
		low:  "repo pull package create plugin",
		med:  "install upgrade rollback test",
		high: "uninstall delete del un",
	}, "helm")
}

func terraformRule(args []string, p *part) {
	p.flags |= FlagNetworkAccess
	s, rest := sub(args, "", nil)
	switch s {
	case "", "version", "validate", "fmt", "show", "output", "providers", "graph", "console", "help", "metadata":
		p.set(Safe, "terraform "+s+": reads configuration or state")
	case "plan":
		p.set(Safe, "terraform plan: reads state and provider APIs, changes nothing")
	case "init", "get", "refresh", "login", "logout", "test":
		p.set(LowRisk, "terraform "+s+": no change to infrastructure")
	case "apply":
		if has(rest, "", 0, "-destroy", "--destroy") {
			p.flags |= FlagDestructive
			p.set(Critical, "terraform apply -destroy: destroys the managed infrastructure")
		} else {
			p.flags |= FlagSystemModification
			p.set(HighRisk, "terraform apply: changes real infrastructure")
		}
	case "destroy":
		p.flags |= FlagDestructive
		p.set(Critical, "terraform destroy: destroys the managed infrastructure")
	case "import", "taint", "untaint":
		p.set(MediumRisk, "terraform "+s+": changes what state tracks")
	case "state", "workspace":
		s2, _ := sub(rest, "", nil)
		switch s2 {
		case "list", "show", "pull":
			p.set(Safe, "terraform "+s+" "+s2)
		case "new", "select":
			p.set(LowRisk, "terraform "+s+" "+s2)
		default:
			p.set(HighRisk, "terraform "+s+" "+s2+": edits state directly")
		}
	case "force-unlock":
		p.set(HighRisk, "terraform force-unlock: can corrupt state under a running apply")
	}
}

// cloudRule decides aws, gcloud, az and similar by their first verb-like
// operand: delete-* and rm are HIGH, create/modify-like verbs MEDIUM, and
// list/describe/get-like verbs SAFE.
func cloudRule(args []string, p *part) {
	p.flags |= FlagNetworkAccess
	if has(args, "", 0, "--delete", "--delete-removed") {
		p.flags |= FlagDestructive
		p.set(HighRisk, "sync --delete: deletes files at the destination")
		return
	}
	config := false
	o := opts{args: args}
	for a, ok := o.next(); ok; a, ok = o.next() {
		if !a.operand {
			continue
		}
		w := strings.ToLower(a.val)
		if w == "config" || w == "configure" || w == "auth" {
			config = true
		}
		switch {
		case hasVerb(w, "delete", "remove", "terminate", "destroy", "purge", "deregister", "revoke", "disable-", "del", "deprovision", "drop", "wipe") || w == "rm" || w == "rb" || w == "rmdir":
			p.flags |= FlagDestructive
			p.set(HighRisk, a.val+": deletes cloud resources")
			return
		case config && (w == "set" || w == "unset" || w == "login" || w == "activate-service-account" || w == "configure"):
			p.set(LowRisk, "changes the client's configuration")
			return
		case hasVerb(w, "create", "put", "update", "modify", "set", "start", "stop", "reboot", "restart", "run", "deploy",
			"attach", "detach", "associate", "disassociate", "add", "import", "restore", "invoke", "publish", "send",
			"upload", "apply", "enable", "disable", "resize", "scale", "tag", "untag", "copy", "register", "authorize",
			"assign", "replace", "reset", "import", "mb", "ssh", "scp", "submit", "execute", "change", "allocate", "release") || w == "cp" || w == "mv" || w == "sync":
			p.set(MediumRisk, a.val+": changes cloud resources")
			return
		case hasVerb(w, "list", "describe", "get", "show", "ls", "head", "wait", "lookup", "search", "query", "filter", "cat", "version", "info", "whoami", "print", "check", "validate", "estimate", "simulate", "test", "du", "stat"):
			p.set(Safe, a.val+": reads cloud resources")
			return
		}
	}
}

// hasVerb reports whether w is one of verbs or starts with one and a dash.
func hasVerb(w string, verbs ...string) bool {
	for _, v := range verbs {
		if w == v || strings.HasPrefix(w, v) && (len(w) > len(v) && w[len(v)] == '-' || v[len(v)-1] == '-') {
			return true
		}
	}
	return false
}

var systemctlLong = []string{"--host", "--machine", "--type", "--property", "--output", "--lines", "--state", "--signal", "--kill-whom", "--root", "--job-mode", "--what", "--timestamp", "--reboot-argument", "--kill-value"}

func systemctlRule(args []string, p *part) {
	s, _ := sub(args, "HMtpons", systemctlLong)
	user := has(args, "HMtpons", 0, "--user")
	p.flags |= FlagSystemModification
	r, why := Risk(255), ""
	switch s {
	case "", "status", "list-units", "list-unit-files", "list-sockets", "list-timers", "list-jobs", "list-dependencies",
		"list-machines", "list-automounts", "list-paths", "is-active", "is-enabled", "is-failed", "is-system-running",
		"show", "cat", "get-default", "help", "show-environment":
		p.flags &^= FlagSystemModification
		r, why = Safe, "reads service state"
	case "reset-failed":
		r, why = LowRisk, "clears failed-unit state"
	case "start", "reload", "daemon-reload", "enable", "reenable", "preset", "preset-all", "link", "revert", "set-property",
		"edit", "set-environment", "unset-environment", "import-environment", "unmask", "add-wants", "add-requires", "thaw":
		r, why = MediumRisk, "starts, reloads or enables services"
	case "stop", "restart", "try-restart", "try-reload-or-restart", "reload-or-restart", "force-reload", "condrestart",
		"disable", "mask", "kill", "clean", "set-default", "daemon-reexec", "freeze", "isolate":
		r, why = HighRisk, "stops, restarts, disables or kills services (outage)"
		if s == "isolate" && hasWord(args, "rescue.target", "emergency.target", "rescue", "emergency", "poweroff.target", "reboot.target", "halt.target", "runlevel0.target", "runlevel6.target", "runlevel1.target") {
			r, why = Critical, "isolates a rescue, halt or reboot target"
		}
	case "poweroff", "reboot", "halt", "kexec", "soft-reboot", "emergency", "rescue", "suspend", "hibernate", "hybrid-sleep", "suspend-then-hibernate", "default", "switch-root":
		r, why = Critical, "powers off, reboots, suspends or leaves the running system"
	}
	if r == 255 {
		return
	}
	if user && r == HighRisk {
		r, why = MediumRisk, "stops or restarts a user service"
	}
	p.set(r, "systemctl "+s+": "+why)
}

func serviceRule(args []string, p *part) {
	if hasWord(args, "--status-all") {
		p.set(Safe, "service --status-all: reads service state")
		return
	}
	if len(args) < 2 {
		return
	}
	switch args[1] {
	case "status":
		p.set(Safe, "service status: reads service state")
	case "start", "reload":
		p.flags |= FlagSystemModification
		p.set(MediumRisk, "service "+args[1]+": starts or reloads a service")
	case "stop", "restart", "force-reload", "condrestart", "try-restart", "force-stop":
		p.flags |= FlagSystemModification
		p.set(HighRisk, "service "+args[1]+": stops or restarts a service (outage)")
	}
}

var aptLong = []string{"--option", "--config-file", "--target-release", "--default-release"}

func aptRule(args []string, p *part) {
	if has(args, "oct", 's', "--simulate", "--dry-run", "--just-print", "--no-act", "--recon") {
		p.set(Safe, "simulates only")
		return
	}
	s, rest := sub(args, "oct", aptLong)
	p.flags |= FlagSystemModification
	switch s {
	case "", "list", "search", "show", "showsrc", "policy", "madison", "depends", "rdepends", "changelog", "showpkg",
		"stats", "pkgnames", "dotty", "xvcg", "unmet", "help", "moo":
		p.flags &^= FlagSystemModification
		p.set(Safe, "apt "+s+": reads package information")
	case "update", "download", "source", "clean", "autoclean", "check":
		p.flags |= FlagNetworkAccess
		p.set(LowRisk, "apt "+s+": refreshes indexes or caches")
	case "install", "reinstall", "upgrade", "full-upgrade", "dist-upgrade", "build-dep", "satisfy", "remove", "autoremove", "mark", "edit-sources", "autopurge":
		p.flags |= FlagNetworkAccess
		if has(rest, "oct", 0, "--purge") || s == "autopurge" {
			p.flags |= FlagDestructive
			p.set(HighRisk, "apt "+s+" --purge: removes packages and their configuration")
			return
		}
		p.set(MediumRisk, "apt "+s+": installs, upgrades or removes packages")
	case "purge":
		p.flags |= FlagDestructive
		p.set(HighRisk, "apt purge: removes packages and their configuration")
	}
}

func dnfRule(args []string, p *part) {
	verbRule(args, p, "cCdexR", verbs{
		safe: "list info search provides whatprovides repolist repoquery check-update deplist help se if packages pa repos lr patches lp ps search-packages what-provides",
		low:  "makecache clean refresh ref mc",
		med:  "install in update up upgrade remove rm erase autoremove downgrade reinstall groupinstall group dist-upgrade dup patch distro-sync localinstall module swap",
		high: "history",
	}, "package manager")
	if s, rest := sub(args, "cCdexR", nil); s == "history" {
		if s2, _ := sub(rest, "", nil); s2 == "" || s2 == "list" || s2 == "info" {
			p.set(Safe, "package manager history: reads the transaction log")
		} else {
			p.set(HighRisk, "package manager history "+s2+": undoes or redoes transactions")
		}
	}
}

func pacmanRule(args []string, p *part) {
	for _, a := range args {
		if len(a) < 2 || a[0] != '-' || a[1] == '-' {
			continue
		}
		letters := a[1:]
		switch op := letters[0]; {
		case op == 'Q' || op == 'F' || op == 'T' || op == 'V':
			p.set(Safe, "pacman: queries packages")
		case op == 'S' && strings.ContainsAny(letters, "silgp"):
			p.set(Safe, "pacman -S query")
		case op == 'S' && strings.IndexByte(letters, 'c') >= 0:
			p.set(LowRisk, "pacman: cleans the package cache")
		case op == 'S' && strings.Trim(letters, "Sy") == "" && strings.IndexByte(letters, 'u') < 0 && len(letters) > 1:
			p.set(LowRisk, "pacman -Sy: refreshes databases")
		case op == 'S' || op == 'U' || op == 'R':
			p.flags |= FlagSystemModification
			p.set(MediumRisk, "pacman: installs, upgrades or removes packages")
		case op == 'D':
			p.set(LowRisk, "pacman -D: changes install reasons")
		default:
			continue
		}
		return
	}
}

func dpkgRule(args []string, p *part) {
	for _, a := range args {
		if strings.HasPrefix(a, "--force") {
			p.set(HighRisk, "dpkg --force: bypasses dpkg's safety checks")
			return
		}
	}
	switch {
	case has(args, "", 'P', "--purge"):
		p.flags |= FlagDestructive | FlagSystemModification
		p.set(HighRisk, "dpkg --purge: removes packages and their configuration")
	case has(args, "", 'i', "--install", "--unpack", "--configure", "--set-selections", "--remove") || has(args, "", 'r') || has(args, "", 'a'):
		p.flags |= FlagSystemModification
		p.set(MediumRisk, "dpkg: installs or removes packages")
	case len(args) > 0:
		p.set(Safe, "dpkg: queries the package database")
	}
}

func rpmRule(args []string, p *part) {
	switch {
	case has(args, "", 0, "--nodeps", "--force", "--replacefiles", "--replacepkgs"):
		p.set(HighRisk, "rpm --force/--nodeps: bypasses rpm's safety checks")
	case has(args, "", 'e', "--erase"):
		p.flags |= FlagSystemModification
		p.set(MediumRisk, "rpm -e: removes packages")
	case has(args, "", 'i', "--install", "--upgrade", "--freshen", "--import", "--reinstall") || has(args, "", 'U') || has(args, "", 'F'):
		p.flags |= FlagSystemModification
		p.set(MediumRisk, "rpm: installs or upgrades packages")
	case len(args) > 0:
		p.set(Safe, "rpm: queries the package database")
	}
}

var pipLong = []string{"--proxy", "--cert", "--log", "--cache-dir", "--python", "--client-cert", "--requirement", "--constraint", "--index-url", "--extra-index-url", "--target", "--prefix", "--root"}

func pipRule(args []string, p *part) {
	s, rest := sub(args, "rceit", pipLong)
	switch s {
	case "", "list", "show", "freeze", "check", "search", "help", "index", "debug", "inspect":
		p.set(Safe, "pip "+s+": reads installed packages")
	case "download", "wheel", "hash", "cache", "config", "venv", "lock", "tree", "compile":
		p.set(LowRisk, "pip "+s)
	case "install", "uninstall", "sync", "add", "remove":
		p.flags |= FlagNetworkAccess | FlagFileModification
		if has(rest, "rceit", 0, "--break-system-packages") {
			p.set(HighRisk, "pip "+s+" --break-system-packages: can break the system's Python")
		} else {
			p.set(MediumRisk, "pip "+s+": installs or removes packages (their install code runs)")
		}
	case "pip":
		pipRule(rest, p) // uv pip …
	case "run", "tool":
		p.set(MediumRisk, "runs a package's code")
	}
}

func npmRule(name string, args []string, p *part) {
	s, rest := sub(args, "C", nil)
	if s == "" && name == "yarn" {
		s = "install"
	}
	switch s {
	case "", "ls", "list", "ll", "la", "view", "info", "show", "v", "outdated", "search", "s", "find", "help", "root",
		"prefix", "bin", "whoami", "ping", "doctor", "explain", "why", "fund", "docs", "repo", "bugs", "config", "get", "licenses", "owner":
		if s == "config" && !hasWord(rest, "get", "list", "ls") {
			p.set(LowRisk, name+" config: changes client settings")
			return
		}
		if s == "owner" && !hasWord(rest, "ls", "list") {
			p.set(MediumRisk, name+" owner: changes package maintainers")
			return
		}
		p.set(Safe, name+" "+s+": read-only")
	case "audit":
		if hasWord(rest, "fix") {
			p.flags |= FlagNetworkAccess
			p.set(MediumRisk, name+" audit fix: upgrades dependencies")
		} else {
			p.set(Safe, name+" audit: reads advisories")
		}
	case "run", "run-script", "test", "t", "tst", "start", "stop", "restart", "build", "init", "pack", "prune",
		"dedupe", "cache", "version", "lint", "format", "dev", "serve", "preview", "typecheck", "check":
		p.set(LowRisk, name+" "+s+": runs the project's own scripts")
	case "install", "i", "isntall", "add", "ci", "update", "up", "upgrade", "uninstall", "remove", "rm", "un", "r",
		"unlink", "link", "exec", "x", "dlx", "create", "login", "adduser", "publish", "deprecate", "dist-tag", "access", "token", "import":
		p.flags |= FlagNetworkAccess | FlagFileModification
		p.set(MediumRisk, name+" "+s+": fetches and runs package code, or publishes")
	case "unpublish":
		p.flags |= FlagNetworkAccess | FlagDestructive
		p.set(HighRisk, name+" unpublish: removes a published package for everyone")
	default:
		if name == "yarn" || name == "pnpm" || name == "bun" {
			p.set(LowRisk, name+" "+s+": runs the project's own scripts")
		}
	}
}

func goRule(args []string, p *part) {
	s, rest := sub(args, "", nil)
	switch s {
	case "", "version", "list", "doc", "help", "bug":
		p.set(Safe, "go "+s+": read-only")
	case "env":
		if has(rest, "", 'w') || has(rest, "", 'u') {
			p.set(LowRisk, "go env -w: changes Go settings")
		} else {
			p.set(Safe, "go env: read-only")
		}
	case "build", "test", "run", "vet", "fmt", "generate", "mod", "work", "clean", "tool", "fix":
		p.set(LowRisk, "go "+s+": builds or runs the project's code")
	case "install", "get":
		p.flags |= FlagNetworkAccess
		p.set(MediumRisk, "go "+s+": fetches and builds code")
	}
}

func makeRule(args []string, p *part) {
	if has(args, "CfIjlWoe", 'n', "--dry-run", "--just-print", "--recon") || has(args, "CfIjlWoe", 'q', "--question") {
		p.set(Safe, "make -n: prints the recipes only")
		return
	}
	o := opts{args: args, withArg: "CfIjlWo"}
	for a, ok := o.next(); ok; a, ok = o.next() {
		if a.operand {
			switch a.val {
			case "install", "uninstall", "deploy", "release", "publish", "upload", "distclean", "purge":
				p.set(MediumRisk, "make "+a.val+": installs, deploys or removes outside the build tree")
				return
			}
		}
	}
	p.set(LowRisk, "make: runs the project's build recipes")
}
