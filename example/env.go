package main

import (
	"flag"
	"fmt"
	"strings"
)

// Every flag can also come from the environment, as CHANNELS_ and the
// flag's name in upper case with dashes as underscores (-log-level is
// CHANNELS_LOG_LEVEL): the way containers and systemd units configure a
// server. A flag on the command line wins over its variable.

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "CHANNELS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets, from the environment, the flags the command line left
// unset.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if v, ok := lookup(envName(f.Name)); ok {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = usagef("%s=%q: %v", envName(f.Name), v, serr)
			}
		}
	})
	return err
}

// printDefaults is flag.PrintDefaults with each flag's variable.
func printDefaults(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  -" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(fs.Output(), "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			fmt.Fprintf(fs.Output(), " (default %q)", f.DefValue)
		}
		fmt.Fprintf(fs.Output(), "\n    \tenvironment: %s\n", envName(f.Name))
	})
}
