// compose-check loads a compose file the way `docker compose config` does,
// with compose-go (the compose-spec reference loader that Docker Compose v2
// is built on): schema validation, interpolation, merge keys, consistency
// checks (e.g. depends_on and volumes that do not exist), the .env file
// beside it and profiles. It prints the normalized project as JSON, or the
// loader's error and exits 1.
//
// Profiles as the docker CLI chooses them: the --profile flags when given,
// else COMPOSE_PROFILES from the environment or the .env file.
//
// There is no Docker engine on this project's machines; this is how
// test/stack/compose.test.ts validates docker-compose.yml for real.
//
//	compose-check [--profile NAME]... docker-compose.yml
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	var profiles []string
	args := os.Args[1:]
	for len(args) >= 2 && args[0] == "--profile" {
		profiles = append(profiles, args[1])
		args = args[2:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [--profile NAME]... <docker-compose.yml>")
		os.Exit(2)
	}
	if err := run(args[0], profiles); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", args[0], err)
		os.Exit(1)
	}
}

func run(path string, profiles []string) error {
	// The same option order as the docker CLI: OS environment, the env files
	// (.env beside the compose file by default), then the profiles.
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(profiles...),
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
