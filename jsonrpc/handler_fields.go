package jsonrpc

import (
	"fmt"
	"reflect"
	"strings"
)

// The params a struct parameter stands for: its fields, found as
// encoding/json would decode them.

// structFields lists the params a struct stands for: exported fields in
// declaration order, named by json tag else field name, embedded structs
// without a tag name flattened (the shallowest of equal names wins).
func structFields(t reflect.Type) ([]param, error) {
	w := fieldWalk{visiting: map[reflect.Type]bool{}}
	w.walk(t, nil, 0)
	return shallowestFields(w.all)
}

// foundField is a param structFields found, at the depth of its embedding.
type foundField struct {
	p     param
	depth int
}

// fieldWalk collects the fields of a struct and of the structs it embeds.
type fieldWalk struct {
	all      []foundField
	visiting map[reflect.Type]bool // the structs being walked: no cycles
}

// walk adds the fields of struct t, found at index and depth, descending
// into embedded structs without a tag name.
func (w *fieldWalk) walk(t reflect.Type, index []int, depth int) {
	w.visiting[t] = true
	defer delete(w.visiting, t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		tagName, tagOpts, _ := strings.Cut(tag, ",")
		idx := append(append([]int(nil), index...), i)
		if f.Anonymous && tagName == "" {
			ft := f.Type
			isPtr := ft.Kind() == reflect.Pointer
			if isPtr {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if (isPtr && !f.IsExported()) || w.visiting[ft] {
					continue
				}
				w.walk(ft, idx, depth+1)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		w.all = append(w.all, foundField{fieldParam(f, tagName, tagOpts, idx), depth})
	}
}

// fieldParam is the param of exported field f: named by its tag name else
// its Go name, optional when it is a pointer or omitempty/omitzero.
func fieldParam(f reflect.StructField, tagName, tagOpts string, index []int) param {
	pn := tagName
	if pn == "" {
		pn = f.Name
	}
	optional := f.Type.Kind() == reflect.Pointer
	for _, opt := range strings.Split(tagOpts, ",") {
		if opt == "omitempty" || opt == "omitzero" {
			optional = true
		}
	}
	return param{name: pn, typ: f.Type, required: !optional, index: index}
}

// shallowestFields keeps, in order, the params of all that are the
// shallowest of their name; two of one name at that depth are an error.
func shallowestFields(all []foundField) ([]param, error) {
	best := map[string]int{} // name -> shallowest depth
	count := map[string]int{}
	for _, f := range all {
		d, ok := best[f.p.name]
		switch {
		case !ok || f.depth < d:
			best[f.p.name], count[f.p.name] = f.depth, 1
		case f.depth == d:
			count[f.p.name]++
		}
	}
	var out []param
	for _, f := range all {
		if best[f.p.name] != f.depth {
			continue
		}
		if count[f.p.name] > 1 {
			return nil, fmt.Errorf("field name %q is ambiguous (embedded structs at the same depth)", f.p.name)
		}
		out = append(out, f.p)
	}
	return out, nil
}
