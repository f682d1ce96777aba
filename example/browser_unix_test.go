//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// browserProcessGroup starts Chromium in a process group of its own, so that
// browserKill reaches its helper processes too.
func browserProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// browserKill kills the Chromium this test started and its helpers.
func browserKill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
