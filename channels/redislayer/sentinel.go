package redislayer

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Sentinel hosts. A host URL whose scheme is redis+sentinel (rediss+sentinel
// for TLS) names Redis Sentinels and a master instead of one server, as a
// channels_redis host entry with "sentinels" and "master_name" does:
//
//	redis+sentinel://[user:password@]HOST:PORT[,HOST:PORT...]/DB?master_name=NAME[&sentinel_password=...]
//
// The hosts are the sentinels (port 26379 when left out); the user and
// password are the master's (channels_redis's top-level password), and
// sentinel_username and sentinel_password those of the sentinels (its
// sentinel_kwargs). The other go-redis options are those of
// redis.ParseFailoverURL. The layer's client is go-redis's failover
// client: it asks the sentinels for the master, and follows a failover as
// soon as the sentinels announce it.

const (
	paramMasterName       = "master_name"
	paramSentinelUsername = "sentinel_username"
	paramSentinelPassword = "sentinel_password"
	defaultSentinelPort   = "26379"
)

// isSentinelURL tells whether a host URL names sentinels.
func isSentinelURL(raw string) bool {
	scheme, _, _ := strings.Cut(raw, ":")
	scheme = strings.ToLower(scheme)
	return scheme == "redis+sentinel" || scheme == "rediss+sentinel"
}

// sentinelOptions reads a redis+sentinel host URL into go-redis's options.
func sentinelOptions(raw string) (*redis.FailoverOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if q.Get(paramMasterName) == "" {
		return nil, errors.New("a redis+sentinel URL needs master_name=NAME")
	}
	var sentinels []string
	for _, h := range strings.Split(u.Host, ",") {
		if h == "" {
			return nil, fmt.Errorf("empty sentinel address in %q", u.Host)
		}
		if !strings.Contains(h, ":") || strings.HasSuffix(h, "]") {
			h += ":" + defaultSentinelPort
		}
		sentinels = append(sentinels, h)
	}
	// go-redis's form: the first sentinel as the host, the others as addr=,
	// the sentinels' credentials as the user info, the master's in the query.
	if u.User != nil {
		q.Set("username", u.User.Username())
		if p, ok := u.User.Password(); ok {
			q.Set("password", p)
		}
	}
	fu := &url.URL{Scheme: strings.TrimSuffix(strings.ToLower(u.Scheme), "+sentinel"), Host: sentinels[0], Path: u.Path}
	if q.Has(paramSentinelUsername) || q.Has(paramSentinelPassword) {
		fu.User = url.UserPassword(q.Get(paramSentinelUsername), q.Get(paramSentinelPassword))
		q.Del(paramSentinelUsername)
		q.Del(paramSentinelPassword)
	}
	for _, s := range sentinels[1:] {
		q.Add("addr", s)
	}
	fu.RawQuery = q.Encode()
	return redis.ParseFailoverURL(fu.String())
}

// checkHostURL tells whether go-redis accepts a host URL.
func checkHostURL(raw string) error {
	if isSentinelURL(raw) {
		_, err := sentinelOptions(raw)
		return err
	}
	_, err := redis.ParseURL(raw)
	return err
}
