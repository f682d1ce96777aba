package main

import (
	"context"
	"strings"
	"testing"
)

// The secrets of a layer URL never reach the logs: not the Redis
// password, not the encryption key, not those of more hosts.
func TestSecretsNotLogged(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // start, log, and shut down at once
	layer := "redis://:hunter2@127.0.0.1:1/0?symmetric_encryption_key=sekrit-key&host=redis://:other-pw@127.0.0.1:2/0"
	_, out := webRealMain(t, ctx, "-mode", "worker", "-layer", layer)
	if !strings.Contains(out, "starting") {
		t.Fatalf("no starting line in:\n%s", out)
	}
	for _, secret := range []string{"hunter2", "sekrit-key", "other-pw"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows %q:\n%s", secret, out)
		}
	}
	_, out = webRealMain(t, ctx, "-layer", "memory://:hunter2@x/?symmetric_encryption_key=sekrit-key")
	if !strings.Contains(out, "memory layer takes no host") {
		t.Fatalf("no error for a bad -layer in:\n%s", out)
	}
	for _, secret := range []string{"hunter2", "sekrit-key"} {
		if strings.Contains(out, secret) {
			t.Errorf("a bad -layer's error shows %q:\n%s", secret, out)
		}
	}
}
