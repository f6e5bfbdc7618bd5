// compose-check loads a compose file the way `docker compose config` does,
// with compose-go (the compose-spec reference loader that Docker Compose v2
// is built on): schema validation, interpolation, merge keys, consistency
// checks (e.g. depends_on and volumes that do not exist). It prints the
// normalized project as JSON, or the loader's error and exits 1.
//
// There is no Docker engine on this project's machines; this is how
// test/stack/compose.test.ts validates docker-compose.yml for real.
//
//	compose-check docker-compose.yml
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <docker-compose.yml>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func run(path string) error {
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithOsEnv,
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return err
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(out))
	return err
}
