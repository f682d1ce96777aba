package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// The page (a chat and an RPC console) ships inside the binary: no build
// step, nothing fetched from anywhere else.
//
//go:embed web
var webFiles embed.FS

// newHandler puts the page beside the interface server: /ws/ and /rpc/ go to
// srv (and through the layer to a worker), /healthz answers that the
// process is alive, /readyz is ready (when not nil), everything else is the
// page and its assets, served by this process.
//
// Static files are not application work: sending them through the layer
// would cost two layer hops and a worker per asset, leave the page down in
// -mode server while no worker runs, and give up what net/http does for
// files (ETag, conditional requests, HEAD). So the page sits on a plain
// ServeMux, as a Channels deployment leaves static files to the front
// server.
func newHandler(srv, ready, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/ws/", srv)
	mux.Handle("/rpc/", srv)
	mux.Handle("/healthz", channels.LiveHandler())
	if ready != nil {
		mux.Handle("/readyz", ready)
	}
	if metrics != nil {
		mux.Handle("/metrics", metrics)
	}
	mux.Handle("/", newPageHandler())
	return mux
}

// pageHandler serves the embedded web/ folder: "/" is web/index.html, and
// "/name" is web/name. Anything else is 404.
type pageHandler struct {
	files map[string]pageFile // by URL path
}

type pageFile struct {
	body        []byte
	contentType string
	etag        string
}

// contentTypes are set here rather than taken from the system's MIME
// tables, which differ between machines.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

// contentSecurityPolicy lets the page load only its own files and talk only
// to its own origin (fetch to /rpc/, the WebSocket to /ws/).
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func newPageHandler() *pageHandler {
	h := &pageHandler{files: make(map[string]pageFile)}
	err := fs.WalkDir(webFiles, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := webFiles.ReadFile(name)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			ct = http.DetectContentType(body)
		}
		sum := sha256.Sum256(body)
		urlPath := strings.TrimPrefix(name, "web")
		if urlPath == "/index.html" {
			urlPath = "/"
		}
		h.files[urlPath] = pageFile{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("example: embedded web files: " + err.Error()) // cannot happen with a well-formed embed
	}
	return h
}

func (h *pageHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := h.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", f.etag)
	hd.Set("Cache-Control", "no-cache") // revalidate: the ETag makes that cheap
	hd.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Path == "/" {
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("Referrer-Policy", "no-referrer")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
