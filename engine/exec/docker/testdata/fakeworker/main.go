// Command fakeworker stands in for tcpreport's worker in the docker
// executor's fault tests. It reads the shard file of
// 'fakeworker worker --shard FILE --out FILE' and misbehaves as the
// shard's kind says: crash, garbage, silent or hang.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

func main() {
	args := map[string]string{}
	for i := 2; i+1 < len(os.Args); i += 2 {
		args[os.Args[i]] = os.Args[i+1]
	}
	b, err := os.ReadFile(args["--shard"])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeworker:", err)
		os.Exit(2)
	}
	var s struct{ Kind string }
	if err := json.Unmarshal(b, &s); err != nil {
		fmt.Fprintln(os.Stderr, "fakeworker:", err)
		os.Exit(2)
	}
	switch s.Kind {
	case "crash":
		for i := 1; i <= 20; i++ {
			fmt.Fprintf(os.Stderr, "fakeworker: line %d\n", i)
		}
		fmt.Fprintln(os.Stderr, "panic: fakeworker crashed")
		os.Exit(3)
	case "garbage":
		os.WriteFile(args["--out"], []byte("<html>not a result</html>"), 0o644)
	case "silent":
	case "hang":
		time.Sleep(time.Hour)
	default:
		fmt.Fprintf(os.Stderr, "fakeworker: unknown kind %q\n", s.Kind)
		os.Exit(2)
	}
}
