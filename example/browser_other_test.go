//go:build !unix

package main

import "os/exec"

func browserProcessGroup(cmd *exec.Cmd) {}

func browserKill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
