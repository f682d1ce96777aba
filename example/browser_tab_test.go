package main

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The CDP client's tabs: opening a page, evaluating in it, typing into it
// and taking screenshots.

// cdpTab is one page, reached through its flat session.
type cdpTab struct {
	b       *cdpBrowser
	t       *testing.T
	session string
	name    string
}

// newTab opens a tab on url and waits for the page to load.
func (b *cdpBrowser) newTab(ctx context.Context, url string) *cdpTab {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.must(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.must(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	tab := &cdpTab{b: b, t: b.t, session: attached.SessionID, name: "tab " + target.TargetID[:8]}
	for _, domain := range []string{"Page", "Runtime", "Log"} {
		b.must(ctx, tab.session, domain+".enable", nil, nil)
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	b.must(ctx, tab.session, "Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		b.t.Fatalf("navigate to %s: %s", url, nav.ErrorText)
	}
	tab.waitTrue(ctx, "the page has loaded", `document.readyState === "complete"`)
	return tab
}

// evalResult runs expr in the page (awaiting a promise) and decodes its
// value into result, when not nil.
func (tab *cdpTab) evalResult(ctx context.Context, expr string, result any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var r struct {
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := tab.b.call(ctx, tab.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true,
	}, &r)
	if err != nil {
		return err
	}
	if ex := r.ExceptionDetails; ex != nil {
		return fmt.Errorf("%s: %s", ex.Text, ex.Exception.Description)
	}
	if result != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, result)
	}
	return nil
}

func (tab *cdpTab) eval(ctx context.Context, expr string, result any) {
	tab.t.Helper()
	if err := tab.evalResult(ctx, expr, result); err != nil {
		tab.t.Fatalf("%s: evaluate %s: %v", tab.name, expr, err)
	}
}

// waitTrue polls expr until it is true, for up to 10 s.
func (tab *cdpTab) waitTrue(ctx context.Context, what, expr string) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var lastErr error
	for {
		var ok bool
		lastErr = tab.evalResult(ctx, expr, &ok)
		if lastErr == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			if lastErr == nil {
				lastErr = ctx.Err()
			}
			tab.t.Fatalf("%s: waiting until %s: %v\n(polled: %s)\npage errors: %v", tab.name, what, lastErr, expr, tab.b.pageErrors())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// setValue types into a field as a person would: value, input, change.
func (tab *cdpTab) setValue(ctx context.Context, selector, value string) {
	tab.t.Helper()
	sel, _ := json.Marshal(selector)
	val, _ := json.Marshal(value)
	tab.eval(ctx, fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		e.value = %s;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true}));
	})()`, sel, val), nil)
}

// shot is one screenshot: a viewport of width×height CSS pixels, in dark
// mode or not, scrolled to show the element scrollTo selects (if any).
type shot struct {
	name          string
	width, height int
	scale         float64
	dark          bool
	scrollTo      string
}

// screenshot saves a PNG of the tab in dir.
func (tab *cdpTab) screenshot(ctx context.Context, dir string, s shot) {
	tab.t.Helper()
	tab.b.must(ctx, tab.session, "Page.bringToFront", nil, nil)
	tab.b.must(ctx, tab.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": s.width, "height": s.height, "deviceScaleFactor": s.scale, "mobile": s.width < 600,
	}, nil)
	scheme := "light"
	if s.dark {
		scheme = "dark"
	}
	tab.b.must(ctx, tab.session, "Emulation.setEmulatedMedia", map[string]any{
		"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme}},
	}, nil)
	defer tab.b.call(ctx, tab.session, "Emulation.clearDeviceMetricsOverride", nil, nil)
	defer tab.b.call(ctx, tab.session, "Emulation.setEmulatedMedia", map[string]any{"features": []any{}}, nil)
	sel, _ := json.Marshal(s.scrollTo)
	// Scroll, then let layout settle after the resize.
	tab.eval(ctx, fmt.Sprintf(`new Promise(r => {
		const e = %s && document.querySelector(%s);
		if (e) e.scrollIntoView({block: "start"}); else window.scrollTo(0, 0);
		setTimeout(r, 150);
	})`, sel, sel), nil)
	var res struct {
		Data string `json:"data"`
	}
	tab.b.must(ctx, tab.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		tab.t.Fatalf("%s: screenshot is not a PNG (%v)", tab.name, err)
	}
	path := filepath.Join(dir, s.name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatal(err)
	}
	tab.t.Logf("screenshot %s (%dx%d): %s", s.name, s.width, s.height, path)
}
