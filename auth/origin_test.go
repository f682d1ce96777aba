package auth_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gochannels/channels-jsonrpc/auth"
)

// noHeader in an allowedOriginCases entry stands for a request without an
// Origin header.
const noHeader = "<none>"

// allowedOriginCases are the allowed-origin lists of TestAllowedOrigins,
// each with an Origin header and whether AllowedOrigins lets it through.
var allowedOriginCases = []struct {
	allowed []string
	origin  string
	want    bool
}{
	// No Origin header: not a browser.
	{[]string{"https://example.com"}, noHeader, true},
	{nil, noHeader, true},
	{nil, "https://example.com", false},

	// Exact scheme://host[:port].
	{[]string{"https://example.com"}, "https://example.com", true},
	{[]string{"https://example.com"}, "HTTPS://Example.COM", true},
	{[]string{"https://example.com"}, "https://example.com:443", true},
	{[]string{"https://example.com:443"}, "https://example.com", true},
	{[]string{"https://example.com"}, "https://example.com:8443", false},
	{[]string{"https://example.com"}, "http://example.com", false},
	{[]string{"https://example.com"}, "https://www.example.com", false},
	{[]string{"https://example.com"}, "https://example.com.evil.com", false},
	{[]string{"https://example.com"}, "https://evilexample.com", false},
	{[]string{"http://localhost:8000"}, "http://localhost:8000", true},
	{[]string{"http://localhost:8000"}, "http://localhost", false},
	{[]string{"http://localhost:8000"}, "http://localhost:8001", false},
	{[]string{"http://[::1]:8000"}, "http://[::1]:8000", true},
	{[]string{"http://127.0.0.1"}, "http://127.0.0.1:80", true},
	{[]string{"https://a.com", "https://b.com"}, "https://b.com", true},
	{[]string{"chrome-extension://abcdef"}, "chrome-extension://abcdef", true},

	// Wildcard subdomains.
	{[]string{"https://*.example.com"}, "https://chat.example.com", true},
	{[]string{"https://*.example.com"}, "https://a.b.example.com", true},
	{[]string{"https://*.example.com"}, "https://example.com", false},
	{[]string{"https://*.example.com"}, "https://evilexample.com", false},
	{[]string{"https://*.example.com"}, "https://chat.example.com.evil.com", false},
	{[]string{"https://*.example.com"}, "http://chat.example.com", false},
	{[]string{"https://*.example.com:8443"}, "https://chat.example.com:8443", true},
	{[]string{"https://*.example.com:8443"}, "https://chat.example.com", false},

	// No scheme: any scheme, and any port unless given.
	{[]string{"*.example.com"}, "https://chat.example.com", true},
	{[]string{"*.example.com"}, "http://chat.example.com:8080", true},
	{[]string{"*.example.com"}, "https://example.com", false},
	{[]string{"example.com"}, "http://example.com:3000", true},
	{[]string{"example.com"}, "https://sub.example.com", false},
	{[]string{"localhost:8000"}, "http://localhost:8000", true},
	{[]string{"localhost:8000"}, "http://localhost:9000", false},

	// Everything.
	{[]string{"*"}, "https://anything.test", true},
	{[]string{"*"}, "null", true},

	// Origins that are not scheme://host[:port].
	{[]string{"https://example.com"}, "", false},
	{[]string{"https://example.com"}, "null", false},
	{[]string{"https://example.com"}, "example.com", false},
	{[]string{"https://example.com"}, "https://example.com/", false},
	{[]string{"https://example.com"}, "https://example.com/path", false},
	{[]string{"https://example.com"}, "https://user@example.com", false},
	{[]string{"https://example.com"}, "https://example.com:", false},
	{[]string{"https://example.com"}, "https://example.com:abc", false},
	{[]string{"*.example.com"}, "https://*.example.com", false},
}

func TestAllowedOrigins(t *testing.T) {
	for _, tt := range allowedOriginCases {
		r := httptest.NewRequest("GET", "/ws/", nil)
		if tt.origin != noHeader {
			r.Header.Set("Origin", tt.origin)
		}
		if got := auth.AllowedOrigins(tt.allowed...)(r); got != tt.want {
			t.Errorf("AllowedOrigins(%q) with Origin %q = %v, want %v", tt.allowed, tt.origin, got, tt.want)
		}
	}
}

func TestAllowedOriginsMalformed(t *testing.T) {
	for _, entry := range []string{
		"",
		"://example.com",
		"https://",
		"https://example.com/",
		"https://example.com/path",
		"https://example.com:",
		"https://example.com:port",
		"https://user@example.com",
		"https://example.com?q",
		"https://ex*ample.com",
		"https://*.*.example.com",
		"*",
		"**.example.com",
		"*.[::1]",
		"exa mple.com",
	} {
		t.Run(entry, func(t *testing.T) {
			defer func() {
				r := recover()
				if entry == "*" {
					if r != nil {
						t.Errorf("AllowedOrigins(%q) panicked: %v", entry, r)
					}
					return
				}
				if s, _ := r.(string); !strings.Contains(s, "AllowedOrigins") {
					t.Errorf("AllowedOrigins(%q) did not panic with a message, got %v", entry, r)
				}
			}()
			auth.AllowedOrigins(entry)
		})
	}
}
