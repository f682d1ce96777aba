package redislayer

import (
	"slices"
	"strings"
	"testing"
)

func TestSentinelOptions(t *testing.T) {
	opt, err := sentinelOptions("redis+sentinel://:masterpw@s1:26379,s2,s3:26380/2?master_name=mymaster" +
		"&sentinel_password=sentpw&dial_timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	if opt.MasterName != "mymaster" || opt.DB != 2 || opt.Password != "masterpw" || opt.SentinelPassword != "sentpw" {
		t.Errorf("options %+v", opt)
	}
	if want := []string{"s1:26379", "s2:26379", "s3:26380"}; !slices.Equal(opt.SentinelAddrs, want) {
		t.Errorf("sentinels %v, want %v", opt.SentinelAddrs, want)
	}
	if opt.DialTimeout.String() != "3s" {
		t.Errorf("dial timeout %v", opt.DialTimeout)
	}
	if _, err := sentinelOptions("redis+sentinel://s1:26379/0"); err == nil || !strings.Contains(err.Error(), "master_name") {
		t.Errorf("no master_name: %v", err)
	}
	if tls, _ := sentinelOptions("rediss+sentinel://s1/0?master_name=m"); tls == nil || tls.TLSConfig == nil {
		t.Errorf("rediss+sentinel: no TLS")
	}
}

func TestSentinelURLInLayerURL(t *testing.T) {
	cfg, err := ParseURL("redis+sentinel://:pw@s1:26379,s2:26379/0?master_name=m&capacity=7&sentinel_password=sp")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Capacity != 7 || len(cfg.Hosts) != 1 || !isSentinelURL(cfg.Hosts[0]) {
		t.Errorf("config %+v", cfg)
	}
	if red := redactURL(cfg.Hosts[0]); strings.Contains(red, "sp") || strings.Contains(red, ":pw@") {
		t.Errorf("redacted %s still shows a password", red)
	}
	if _, err := ParseURL("redis+sentinel://s1:26379/0"); err == nil {
		t.Error("a sentinel URL without master_name was accepted")
	}
}

func TestRedactURL(t *testing.T) {
	got := RedactURL("redis://u:pw1@h:6379/0?password=pw2&symmetric_encryption_key=k1&symmetric_encryption_key=k2" +
		"&host=" + "redis%3A%2F%2F%3Apw3%40h2%3A6379%2F0")
	for _, secret := range []string{"pw1", "pw2", "k1", "k2", "pw3"} {
		if strings.Contains(got, secret) {
			t.Errorf("RedactURL left %q in %s", secret, got)
		}
	}
	if !strings.Contains(got, "h:6379") || !strings.Contains(got, "h2") {
		t.Errorf("RedactURL lost the hosts: %s", got)
	}
}
