// Package jsonenc holds what the JSON-RPC engine and the Django encoder
// share with encoding/json: the fields it encodes for a struct type, and its
// way of writing a string.
package jsonenc

import (
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field is a struct field as encoding/json sees it.
type Field struct {
	Name      string
	Index     []int
	Type      reflect.Type
	Tagged    bool // named by its tag
	OmitEmpty bool
	OmitZero  bool
	Quoted    bool // the ",string" option, on a type it applies to
}

// Fields lists the fields encoding/json encodes for struct type t,
// in its order: exported fields by their tag name or Go name, fields of
// embedded structs without a tag name promoted, and among fields of one
// name the shallowest wins, a tagged one before untagged ones at the same
// depth; two equally good fields of one name hide each other.
func Fields(t reflect.Type) []Field {
	return dominantFields(scanFields(t))
}

// level is a struct type to scan and the index of its embedding.
type level struct {
	typ   reflect.Type
	index []int
}

// fieldScan walks a struct's embedding tree breadth first, one depth at a
// time, collecting every named field.
type fieldScan struct {
	all       []Field
	next      []level               // the structs of the next depth
	count     map[reflect.Type]int  // occurrences of each struct at this depth
	nextCount map[reflect.Type]int  // and at the next
	visited   map[reflect.Type]bool // structs already scanned, at any depth
}

// scanFields collects the named fields of struct type t and of the structs
// it embeds, in breadth-first order, a field of a struct embedded twice at
// one depth twice (so that it hides itself).
func scanFields(t reflect.Type) []Field {
	s := fieldScan{
		next:      []level{{typ: t}},
		nextCount: map[reflect.Type]int{},
		visited:   map[reflect.Type]bool{},
	}
	for len(s.next) > 0 {
		current := s.next
		s.next = nil
		s.count, s.nextCount = s.nextCount, map[reflect.Type]int{}
		for _, lv := range current {
			if s.visited[lv.typ] {
				continue
			}
			s.visited[lv.typ] = true
			s.scanStruct(lv)
		}
	}
	return s.all
}

// scanStruct adds the named fields of lv's struct and queues the structs it
// embeds without a tag name for the next depth.
func (s *fieldScan) scanStruct(lv level) {
	for i := 0; i < lv.typ.NumField(); i++ {
		sf := lv.typ.Field(i)
		if !considered(sf) {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts := jsonTag(tag)
		if !validTagName(name) {
			name = ""
		}
		index := append(slices.Clip(lv.index), i)
		ft := sf.Type
		if ft.Name() == "" && ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
			s.all = append(s.all, newField(sf, ft, name, opts, index))
			if s.count[lv.typ] > 1 {
				// The embedding struct occurs more than once at this
				// depth: a duplicate makes the field ambiguous.
				s.all = append(s.all, s.all[len(s.all)-1])
			}
			continue
		}
		s.nextCount[ft]++
		if s.nextCount[ft] == 1 {
			s.next = append(s.next, level{typ: ft, index: index})
		}
	}
}

// considered reports whether encoding/json looks at struct field sf at
// all: an exported field, or an embedded one of a struct type (or pointer
// to one), whose exported fields may be promoted.
func considered(sf reflect.StructField) bool {
	if !sf.Anonymous {
		return sf.IsExported()
	}
	et := sf.Type
	if et.Kind() == reflect.Pointer {
		et = et.Elem()
	}
	return sf.IsExported() || et.Kind() == reflect.Struct
}

// newField is the Field of struct field sf at index, named by its tag name
// (name, "" for none) else its Go name, with the tag options opts; ft is
// its type without an unnamed pointer, which ",string" must apply to.
func newField(sf reflect.StructField, ft reflect.Type, name string, opts []string, index []int) Field {
	f := Field{
		Name:      name,
		Tagged:    name != "",
		Index:     index,
		Type:      sf.Type,
		OmitEmpty: slices.Contains(opts, "omitempty"),
		OmitZero:  slices.Contains(opts, "omitzero"),
	}
	if f.Name == "" {
		f.Name = sf.Name
	}
	if slices.Contains(opts, "string") {
		switch ft.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
			reflect.Float32, reflect.Float64, reflect.String:
			f.Quoted = true
		}
	}
	return f
}

// dominantFields keeps, of the fields of each name, the one that wins:
// the shallowest, a tagged one before untagged ones at the same depth;
// none when two are equally good. The result is in index order.
func dominantFields(all []Field) []Field {
	slices.SortStableFunc(all, func(a, b Field) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := len(a.Index) - len(b.Index); c != 0 {
			return c
		}
		if a.Tagged != b.Tagged {
			if a.Tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Index, b.Index)
	})
	out := all[:0:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].Name == all[i].Name {
			j++
		}
		group := all[i:j]
		if len(group) == 1 || len(group[0].Index) != len(group[1].Index) || group[0].Tagged != group[1].Tagged {
			out = append(out, group[0])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	return out
}

// jsonTag splits a json struct tag into its name and options.
func jsonTag(tag string) (name string, opts []string) {
	name, rest, _ := strings.Cut(tag, ",")
	if rest != "" {
		opts = strings.Split(rest, ",")
	}
	return name, opts
}

func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as a JSON string as encoding/json does:
// invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are escaped, and with
// html so are <, > and &.
func AppendString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
