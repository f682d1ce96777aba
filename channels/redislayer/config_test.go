package redislayer_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want redislayer.Config
	}{
		{"redis://localhost:6379/0", redislayer.Config{Hosts: []string{"redis://localhost:6379/0"}}},
		{
			"redis://host:6379/1?capacity=100&expiry=60&group_expiry=86400&prefix=asgi&host=redis://other:6379/0",
			redislayer.Config{
				Hosts:    []string{"redis://host:6379/1", "redis://other:6379/0"},
				Capacity: 100, Expiry: time.Minute, GroupExpiry: 86400 * time.Second, Prefix: "asgi",
			},
		},
		{
			"rediss://:pw@h:6380/0?dial_timeout=3s&capacity=5&host=redis://b&host=unix:///run/redis.sock?db=2",
			redislayer.Config{
				Hosts:    []string{"rediss://:pw@h:6380/0?dial_timeout=3s", "redis://b", "unix:///run/redis.sock?db=2"},
				Capacity: 5,
			},
		},
		{
			"redis://h?channel_capacity=http.request:200&channel_capacity=websocket.*:20&prefix=",
			redislayer.Config{
				Hosts: []string{"redis://h"},
				ChannelCapacity: []channels.CapacityRule{
					{Pattern: "http.request", Capacity: 200}, {Pattern: "websocket.*", Capacity: 20},
				},
			},
		},
		{
			"redis://h?symmetric_encryption_key=new&symmetric_encryption_key=old&call_timeout=2s&block_timeout=1&expiry=1m30s",
			redislayer.Config{
				Hosts: []string{"redis://h"}, SymmetricEncryptionKeys: []string{"new", "old"},
				CallTimeout: 2 * time.Second, BlockTimeout: time.Second, Expiry: 90 * time.Second,
			},
		},
		{"redis://h?auto_pipelining=false", redislayer.Config{Hosts: []string{"redis://h"}, NoAutoPipelining: true}},
		{"redis://h?auto_pipelining=true", redislayer.Config{Hosts: []string{"redis://h"}}},
	} {
		got, err := redislayer.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseURL(%q)\n = %#v\nwant %#v", tc.url, got, tc.want)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"http://h", "scheme"},
		{"::", "missing protocol scheme"},
		{"redis://h?capacity=0", "capacity"},
		{"redis://h?capacity=many", "capacity"},
		{"redis://h?expiry=-1", "expiry"},
		{"redis://h?group_expiry=soon", "group_expiry"},
		{"redis://h?channel_capacity=http.request", "channel_capacity"},
		{"redis://h?channel_capacity=a:0", "channel_capacity"},
		{"redis://h?no_such_option=1", "no_such_option"},
		{"redis://h?auto_pipelining=sometimes", "auto_pipelining"},
		{"redis://h?host=http://other", "other"},
		{"redis://:secret@h?capacity=x&symmetric_encryption_key=hush", "capacity"},
	} {
		_, err := redislayer.ParseURL(tc.url)
		if err == nil {
			t.Errorf("ParseURL(%q): no error", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q): %q does not mention %q", tc.url, err, tc.want)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "hush") {
			t.Errorf("ParseURL(%q): error %q shows a secret", tc.url, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	l, err := redislayer.New(redislayer.Config{Expiry: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := l.Config()
	if !reflect.DeepEqual(got.Hosts, []string{redislayer.DefaultHost}) || got.Prefix != "asgi" ||
		got.Capacity != 100 || got.Expiry != 2*time.Second || got.GroupExpiry != 86400*time.Second ||
		got.CallTimeout != 5*time.Second || got.BlockTimeout != 5*time.Second || got.Now == nil || got.Logger == nil {
		t.Errorf("defaults: %+v", got)
	}
	if _, err := redislayer.New(redislayer.Config{Hosts: []string{"mysql://h"}}); err == nil {
		t.Error("New accepts a host that is not a Redis URL")
	}
	if _, err := redislayer.New(redislayer.Config{SymmetricEncryptionKeys: []string{""}}); err == nil {
		t.Error("New accepts an empty encryption key")
	}
}
