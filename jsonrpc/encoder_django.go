package jsonrpc

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// DjangoEncoder is an [Encoder] that writes JSON the way Django's
// DjangoJSONEncoder does, so that clients written against a
// django-channels-jsonrpc server read the same strings from a Go server.
//
// Output is that of [encoding/json.Marshal] (compact, HTML-safe, map keys
// sorted, struct fields by their json tags with the name, "-", omitempty,
// omitzero and string options, embedded structs promoted, []byte as base64,
// values implementing [json.Marshaler] or [encoding.TextMarshaler] encoded by
// their own method), except for the following types, which are always
// written as JSON strings in Django's formats, wherever they occur (struct
// fields, slice and map elements, map keys, behind pointers and interfaces):
//
//   - [time.Time]: ECMA-262 date-time, as Django writes a datetime: the
//     ISO 8601 form with milliseconds, "2024-01-02T03:04:05.123Z". The
//     fraction is the microseconds cut to three digits (not rounded), and is
//     left out when the microseconds are zero ("2024-01-02T03:04:05Z"), so
//     999 nanoseconds or less are ignored and 1µs writes ".000". A zero UTC
//     offset is written "Z", any other offset as "+02:00" or "-05:30"
//     ("+05:53:28" when it has seconds). Years outside 0..9999 are an error.
//   - [Date]: "2024-01-02".
//   - [TimeOfDay]: "15:04:05", or "15:04:05.123" when it has microseconds
//     (cut to milliseconds as for [time.Time]).
//   - [time.Duration]: Django's duration_iso_string, "P{days}DT{HH}H{MM}M{SS}S"
//     with ".ffffff" microseconds before the "S" when they are not zero and
//     a leading "-" for negative durations: "P1DT02H03M04S",
//     "P0DT00H00M00.000005S", "-P1DT00H00M00S". Nanoseconds below one
//     microsecond are dropped (truncated toward zero).
//   - [Decimal], *[big.Float] and *[big.Rat]: the decimal as Python's
//     str(Decimal) writes it, see [Decimal].
//   - UUIDs: any array type of 16 bytes (for example github.com/google/uuid's
//     UUID or a djPlain [16]byte) as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in
//     lower-case hexadecimal.
//
// Only these exact types are concerned: a type defined on one of them (type
// MyTime time.Time) is encoded as encoding/json would encode it. Errors are
// those of encoding/json ([json.UnsupportedTypeError],
// [json.UnsupportedValueError], [json.MarshalerError]) or describe the value
// Django could not represent. DjangoEncoder is safe for concurrent use.
type DjangoEncoder struct{}

var _ Encoder = DjangoEncoder{}

// Marshal returns the JSON encoding of v. See [DjangoEncoder].
func (DjangoEncoder) Marshal(v any) ([]byte, error) {
	e := &djState{}
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// Date is a calendar date without a time or a zone, Python's datetime.date.
// It encodes, with [DjangoEncoder] and with encoding/json, as the string
// "YYYY-MM-DD". A valid Date has Year 1..9999 (Python's range), Month
// 1..12 and a Day of that month; encoding an invalid Date (such as the zero
// Date) is an error.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("jsonrpc: invalid date %q: want YYYY-MM-DD", s)
	}
	y, ok1 := djAtoiDigits(s[0:4])
	m, ok2 := djAtoiDigits(s[5:7])
	d, ok3 := djAtoiDigits(s[8:10])
	dt := Date{Year: y, Month: time.Month(m), Day: d}
	if !ok1 || !ok2 || !ok3 || !dt.IsValid() {
		return Date{}, fmt.Errorf("jsonrpc: invalid date %q", s)
	}
	return dt, nil
}

// IsValid reports whether d is a date Python can represent.
func (d Date) IsValid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= djDaysIn(d.Month, d.Year)
}

// IsZero reports whether d is the zero Date (so that the omitzero option
// leaves it out).
func (d Date) IsZero() bool { return d == Date{} }

// String returns "YYYY-MM-DD" (the fields as they are, even when invalid).
func (d Date) String() string { return string(djAppendDateDigits(nil, d.Year, int(d.Month), d.Day)) }

// MarshalJSON returns the date as DjangoEncoder writes it.
func (d Date) MarshalJSON() ([]byte, error) {
	b, err := djAppendDjangoDate(make([]byte, 0, 12), d)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// UnmarshalJSON reads a "YYYY-MM-DD" string; null leaves d unchanged.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, null, err := djUnquoteJSON(b, "Date")
	if err != nil || null {
		return err
	}
	return d.UnmarshalText([]byte(s))
}

// MarshalText returns "YYYY-MM-DD", or an error for an invalid date.
func (d Date) MarshalText() ([]byte, error) {
	if !d.IsValid() {
		return nil, fmt.Errorf("jsonrpc: invalid date %s", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText parses "YYYY-MM-DD".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// TimeOfDay is a time of day without a date or a zone, Python's naive
// datetime.time. It encodes, with [DjangoEncoder] and with encoding/json,
// as "15:04:05", or "15:04:05.123" when it has microseconds (Django keeps
// milliseconds, cut, not rounded). A valid TimeOfDay has Hour 0..23, Minute
// and Second 0..59 and Nanosecond 0..999999999; encoding an invalid one is
// an error. The zero TimeOfDay is midnight.
type TimeOfDay struct {
	Hour       int
	Minute     int
	Second     int
	Nanosecond int
}

// TimeOfDayOf returns the time of day of t in t's location.
func TimeOfDayOf(t time.Time) TimeOfDay {
	h, m, s := t.Clock()
	return TimeOfDay{Hour: h, Minute: m, Second: s, Nanosecond: t.Nanosecond()}
}

// ParseTimeOfDay parses "HH:MM", "HH:MM:SS" or "HH:MM:SS.fffffffff" (one to
// nine fractional digits, "." or ","), the forms Django's parse_time reads.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	bad := func() (TimeOfDay, error) { return TimeOfDay{}, fmt.Errorf("jsonrpc: invalid time of day %q", s) }
	if len(s) < 5 || s[2] != ':' {
		return bad()
	}
	var t TimeOfDay
	var ok bool
	if t.Hour, ok = djAtoiDigits(s[0:2]); !ok {
		return bad()
	}
	if t.Minute, ok = djAtoiDigits(s[3:5]); !ok {
		return bad()
	}
	rest := s[5:]
	if rest != "" {
		if len(rest) < 3 || rest[0] != ':' {
			return bad()
		}
		if t.Second, ok = djAtoiDigits(rest[1:3]); !ok {
			return bad()
		}
		rest = rest[3:]
		if rest != "" {
			frac := rest[1:]
			if rest[0] != '.' && rest[0] != ',' || len(frac) < 1 || len(frac) > 9 {
				return bad()
			}
			n, ok := djAtoiDigits(frac)
			if !ok {
				return bad()
			}
			for i := len(frac); i < 9; i++ {
				n *= 10
			}
			t.Nanosecond = n
		}
	}
	if !t.IsValid() {
		return bad()
	}
	return t, nil
}

// IsValid reports whether t is a time of day Python can represent.
func (t TimeOfDay) IsValid() bool {
	return t.Hour >= 0 && t.Hour < 24 && t.Minute >= 0 && t.Minute < 60 &&
		t.Second >= 0 && t.Second < 60 && t.Nanosecond >= 0 && t.Nanosecond < 1e9
}

// String returns the time as DjangoEncoder writes it (the fields as they
// are, even when invalid).
func (t TimeOfDay) String() string { return string(djAppendTimeOfDayDigits(nil, t)) }

// MarshalJSON returns the time of day as DjangoEncoder writes it.
func (t TimeOfDay) MarshalJSON() ([]byte, error) {
	return djAppendDjangoTimeOfDay(make([]byte, 0, 16), t)
}

// UnmarshalJSON reads a string in a form [ParseTimeOfDay] accepts; null
// leaves t unchanged.
func (t *TimeOfDay) UnmarshalJSON(b []byte) error {
	s, null, err := djUnquoteJSON(b, "TimeOfDay")
	if err != nil || null {
		return err
	}
	return t.UnmarshalText([]byte(s))
}

// MarshalText returns the time of day as DjangoEncoder writes it, without
// quotes.
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.IsValid() {
		return nil, fmt.Errorf("jsonrpc: invalid time of day %s", t)
	}
	return djAppendTimeOfDayDigits(nil, t), nil
}

// UnmarshalText parses a form [ParseTimeOfDay] accepts.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Decimal is a decimal number held as its text, Python's decimal.Decimal.
// It encodes, with [DjangoEncoder] and with encoding/json, as a JSON string
// holding what Python's str(Decimal(text)) returns: the sign, then the digits
// in djPlain notation when the exponent is at most zero and the number is not
// below 1E-6 in magnitude, scientific notation otherwise ("1.50", "-0.000001",
// "1E-7", "1.2E+3" for "1.2e3", "0.5" for ".5", "Infinity", "-Infinity",
// "NaN"). Trailing zeros are kept: they are the decimal's precision.
//
// The text must be in Python's decimal syntax: an optional sign, digits with
// an optional point, an optional exponent ("e" or "E", optional sign,
// digits), or Infinity, Inf, NaN or sNaN in any case (NaN and sNaN with
// optional diagnostic digits). Encoding other text, including "", is an
// error.
//
// *[big.Float] encodes as the Decimal of its shortest decimal representation
// that rounds back to the same value at its precision, with no positive
// exponent (big.NewFloat(1e3) writes "1000"). *[big.Rat] encodes exactly when
// its decimal expansion is finite ("0.25", "1E-10"), and otherwise rounded
// to 28 significant digits, as Python's default decimal context rounds
// Decimal(1) / Decimal(3): "0.3333333333333333333333333333".
type Decimal string

// MarshalJSON returns the decimal as DjangoEncoder writes it.
func (d Decimal) MarshalJSON() ([]byte, error) {
	p, err := djParseDecimal(string(d))
	if err != nil {
		return nil, err
	}
	b := append(make([]byte, 0, len(d)+8), '"')
	return append(p.appendTo(b), '"'), nil
}

// UnmarshalJSON reads a JSON string in decimal syntax or a JSON number,
// keeping the text as given; null leaves d unchanged.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '"' && string(b) != "null" {
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("jsonrpc: cannot read Decimal from %s", b)
		}
		*d = Decimal(n)
		return nil
	}
	s, null, err := djUnquoteJSON(b, "Decimal")
	if err != nil || null {
		return err
	}
	if _, err := djParseDecimal(s); err != nil {
		return err
	}
	*d = Decimal(s)
	return nil
}

func djUnquoteJSON(b []byte, what string) (s string, null bool, err error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return "", true, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return "", false, fmt.Errorf("jsonrpc: cannot read %s from %s: want a string", what, b)
	}
	return s, false, nil
}

// djAtoiDigits parses a non-empty string of ASCII digits.
func djAtoiDigits(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func djDaysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// --- Django formats -------------------------------------------------------

func djAppendPad(b []byte, n, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func djAppendDateDigits(b []byte, y, m, d int) []byte {
	b = djAppendPad(b, y, 4)
	b = append(b, '-')
	b = djAppendPad(b, m, 2)
	b = append(b, '-')
	return djAppendPad(b, d, 2)
}

// djAppendMillis writes ".mmm" when the nanoseconds hold a non-zero number of
// microseconds: Django cuts isoformat's six digits to three.
func djAppendMillis(b []byte, nsec int) []byte {
	if us := nsec / 1000; us != 0 {
		b = append(b, '.')
		b = djAppendPad(b, us/1000, 3)
	}
	return b
}

func djAppendTimeOfDayDigits(b []byte, t TimeOfDay) []byte {
	b = djAppendPad(b, t.Hour, 2)
	b = append(b, ':')
	b = djAppendPad(b, t.Minute, 2)
	b = append(b, ':')
	b = djAppendPad(b, t.Second, 2)
	return djAppendMillis(b, t.Nanosecond)
}

// djAppendDjangoTime writes t as Django's DjangoJSONEncoder writes an aware
// datetime, with quotes.
func djAppendDjangoTime(b []byte, t time.Time) ([]byte, error) {
	y := t.Year()
	if y < 0 || y > 9999 {
		return b, fmt.Errorf("jsonrpc: time %v: year outside of range [0,9999]", t)
	}
	mo, d := t.Month(), t.Day()
	h, mi, s := t.Clock()
	b = append(b, '"')
	b = djAppendDateDigits(b, y, int(mo), d)
	b = append(b, 'T')
	b = djAppendTimeOfDayDigits(b, TimeOfDay{Hour: h, Minute: mi, Second: s, Nanosecond: t.Nanosecond()})
	_, off := t.Zone()
	if off == 0 {
		b = append(b, 'Z')
	} else {
		if off < 0 {
			b = append(b, '-')
			off = -off
		} else {
			b = append(b, '+')
		}
		b = djAppendPad(b, off/3600, 2)
		b = append(b, ':')
		b = djAppendPad(b, off/60%60, 2)
		if off%60 != 0 {
			b = append(b, ':')
			b = djAppendPad(b, off%60, 2)
		}
	}
	return append(b, '"'), nil
}

func djAppendDjangoDate(b []byte, d Date) ([]byte, error) {
	if !d.IsValid() {
		return b, fmt.Errorf("jsonrpc: invalid date %s", d)
	}
	b = append(b, '"')
	b = djAppendDateDigits(b, d.Year, int(d.Month), d.Day)
	return append(b, '"'), nil
}

func djAppendDjangoTimeOfDay(b []byte, t TimeOfDay) ([]byte, error) {
	if !t.IsValid() {
		return b, fmt.Errorf("jsonrpc: invalid time of day %s", t)
	}
	b = append(b, '"')
	b = djAppendTimeOfDayDigits(b, t)
	return append(b, '"'), nil
}

// djAppendDjangoDuration writes Django's duration_iso_string(d), with quotes.
func djAppendDjangoDuration(b []byte, d time.Duration) []byte {
	var u uint64 // |d| in microseconds
	neg := d < 0
	if neg {
		u = (uint64(-(d + 1)) + 1) / 1000
	} else {
		u = uint64(d) / 1000
	}
	b = append(b, '"')
	if neg && u != 0 {
		b = append(b, '-')
	}
	us := u % 1e6
	secs := u / 1e6
	days := secs / 86400
	secs %= 86400
	b = append(b, 'P')
	b = strconv.AppendUint(b, days, 10)
	b = append(b, 'D', 'T')
	b = djAppendPad(b, int(secs/3600), 2)
	b = append(b, 'H')
	b = djAppendPad(b, int(secs/60%60), 2)
	b = append(b, 'M')
	b = djAppendPad(b, int(secs%60), 2)
	if us != 0 {
		b = append(b, '.')
		b = djAppendPad(b, int(us), 6)
	}
	return append(b, 'S', '"')
}

func djAppendUUID(b []byte, v reflect.Value) []byte {
	const hexdigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		c := byte(v.Index(i).Uint())
		b = append(b, hexdigits[c>>4], hexdigits[c&15])
	}
	return append(b, '"')
}

// djDecParts is a Python decimal: sign, coefficient digits (no leading zeros,
// "0" for zero) and exponent, or a special value.
type djDecParts struct {
	neg     bool
	coef    string
	exp     int
	special string // "", "Infinity", "NaN" or "sNaN"
}

// djParseDecimal reads Python's decimal syntax (see [Decimal]).
func djParseDecimal(s string) (djDecParts, error) {
	var p djDecParts
	bad := func() (djDecParts, error) { return djDecParts{}, fmt.Errorf("jsonrpc: invalid decimal %q", s) }
	r := s
	if r != "" && (r[0] == '+' || r[0] == '-') {
		p.neg = r[0] == '-'
		r = r[1:]
	}
	switch lr := strings.ToLower(r); {
	case lr == "inf" || lr == "infinity":
		p.special = "Infinity"
		return p, nil
	case strings.HasPrefix(lr, "nan") || strings.HasPrefix(lr, "snan"):
		p.special = "NaN"
		payload := lr[3:]
		if lr[0] == 's' {
			p.special = "sNaN"
			payload = lr[4:]
		}
		for i := 0; i < len(payload); i++ {
			if payload[i] < '0' || payload[i] > '9' {
				return bad()
			}
		}
		p.coef = strings.TrimLeft(payload, "0")
		return p, nil
	}
	var digits []byte
	i, frac, seen := 0, 0, false
	for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
		digits, seen = append(digits, r[i]), true
	}
	if i < len(r) && r[i] == '.' {
		for i++; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
			digits, seen = append(digits, r[i]), true
			frac++
		}
	}
	if !seen {
		return bad()
	}
	exp := 0
	if i < len(r) && (r[i] == 'e' || r[i] == 'E') {
		i++
		eneg := false
		if i < len(r) && (r[i] == '+' || r[i] == '-') {
			eneg = r[i] == '-'
			i++
		}
		start := i
		for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
			if exp > 1e9 {
				return bad()
			}
			exp = exp*10 + int(r[i]-'0')
		}
		if i == start {
			return bad()
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(r) {
		return bad()
	}
	p.coef = strings.TrimLeft(string(digits), "0")
	if p.coef == "" {
		p.coef = "0"
	}
	p.exp = exp - frac
	return p, nil
}

// appendTo writes p as Python's Decimal.__str__ does.
func (p djDecParts) appendTo(b []byte) []byte {
	if p.neg {
		b = append(b, '-')
	}
	if p.special != "" {
		b = append(b, p.special...)
		return append(b, p.coef...)
	}
	left := p.exp + len(p.coef) // digits left of the point
	dot := 1
	if p.exp <= 0 && left > -6 {
		dot = left
	}
	switch {
	case dot <= 0:
		b = append(b, '0', '.')
		for i := 0; i < -dot; i++ {
			b = append(b, '0')
		}
		b = append(b, p.coef...)
	case dot >= len(p.coef):
		b = append(b, p.coef...)
		for i := len(p.coef); i < dot; i++ {
			b = append(b, '0')
		}
	default:
		b = append(b, p.coef[:dot]...)
		b = append(b, '.')
		b = append(b, p.coef[dot:]...)
	}
	if left != dot {
		b = append(b, 'E')
		if left-dot > 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(left-dot), 10)
	}
	return b
}

func djBigFloatParts(x *big.Float) djDecParts {
	if x.IsInf() {
		return djDecParts{neg: x.Signbit(), special: "Infinity"}
	}
	p, err := djParseDecimal(x.Text('e', -1))
	if err != nil { // cannot happen: Text('e') is decimal syntax
		panic(err)
	}
	if p.exp > 0 {
		if p.coef != "0" {
			p.coef += strings.Repeat("0", p.exp)
		}
		p.exp = 0
	}
	return p
}

var (
	djBigTen   = big.NewInt(10)
	djBigTwo   = big.NewInt(2)
	djBigFive  = big.NewInt(5)
	djBig10p28 = new(big.Int).Exp(djBigTen, big.NewInt(28), nil)
)

func djBigRatParts(x *big.Rat) djDecParts {
	neg := x.Sign() < 0
	num := new(big.Int).Abs(x.Num())
	den := x.Denom()
	// Finite expansion when den = 2^a 5^c: max(a, c) fractional digits.
	d := new(big.Int).Set(den)
	a, c := 0, 0
	var q, m big.Int
	for {
		q.QuoRem(d, djBigTwo, &m)
		if m.Sign() != 0 {
			break
		}
		d.Set(&q)
		a++
	}
	for {
		q.QuoRem(d, djBigFive, &m)
		if m.Sign() != 0 {
			break
		}
		d.Set(&q)
		c++
	}
	if d.IsInt64() && d.Int64() == 1 {
		p, err := djParseDecimal(new(big.Rat).Abs(x).FloatString(max(a, c)))
		if err != nil {
			panic(err)
		}
		p.neg = neg
		return p
	}
	// 28 significant digits: adj = floor(log10(num/den)).
	adj := len(num.String()) - len(den.String())
	if djCmpScaled(num, den, adj) < 0 {
		adj--
	}
	shift := 27 - adj // coef = round(num * 10^shift / den)
	n, dd := new(big.Int).Set(num), new(big.Int).Set(den)
	if shift >= 0 {
		n.Mul(n, new(big.Int).Exp(djBigTen, big.NewInt(int64(shift)), nil))
	} else {
		dd.Mul(dd, new(big.Int).Exp(djBigTen, big.NewInt(int64(-shift)), nil))
	}
	n.QuoRem(n, dd, &m)
	// The expansion is infinite, so the remainder is never exactly half.
	if m.Lsh(&m, 1).Cmp(dd) > 0 {
		n.Add(n, big.NewInt(1))
	}
	exp := -shift
	if n.Cmp(djBig10p28) == 0 {
		n.Quo(n, djBigTen)
		exp++
	}
	return djDecParts{neg: neg, coef: n.String(), exp: exp}
}

// djCmpScaled compares num with den*10^k.
func djCmpScaled(num, den *big.Int, k int) int {
	n, d := new(big.Int).Set(num), new(big.Int).Set(den)
	if k >= 0 {
		d.Mul(d, new(big.Int).Exp(djBigTen, big.NewInt(int64(k)), nil))
	} else {
		n.Mul(n, new(big.Int).Exp(djBigTen, big.NewInt(int64(-k)), nil))
	}
	return n.Cmp(d)
}

// --- reflective encoder ---------------------------------------------------

var (
	djTimeType          = reflect.TypeFor[time.Time]()
	djDurationType      = reflect.TypeFor[time.Duration]()
	djDateType          = reflect.TypeFor[Date]()
	djTimeOfDayType     = reflect.TypeFor[TimeOfDay]()
	djDecimalType       = reflect.TypeFor[Decimal]()
	djBigFloatType      = reflect.TypeFor[big.Float]()
	djBigRatType        = reflect.TypeFor[big.Rat]()
	djNumberType        = reflect.TypeFor[json.Number]()
	djMarshalerType     = reflect.TypeFor[json.Marshaler]()
	djTextMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	djIsZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// djCycleDepth is the pointer, map and slice nesting past which the encoder
// starts to look for cycles, as encoding/json does.
const djCycleDepth = 1000

type djState struct {
	buf      []byte
	ptrLevel int
	seen     map[djSeenKey]struct{}
}

type djSeenKey struct {
	p uintptr
	n int
	t reflect.Type
}

func (e *djState) value(v reflect.Value) error {
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return djTypeEncoder(v.Type())(e, v, false)
}

// enter and leave bracket a pointer, map or slice level; past djCycleDepth
// levels, a reference seen again on the current path is a cycle.
func (e *djState) enter(v reflect.Value) error {
	e.ptrLevel++
	if e.ptrLevel <= djCycleDepth {
		return nil
	}
	k := djSeenKey{p: v.Pointer(), t: v.Type()}
	if v.Kind() == reflect.Slice {
		k.n = v.Len()
	}
	if e.seen == nil {
		e.seen = map[djSeenKey]struct{}{}
	}
	if _, ok := e.seen[k]; ok {
		return &json.UnsupportedValueError{Value: v, Str: fmt.Sprintf("encountered a cycle via %s", v.Type())}
	}
	e.seen[k] = struct{}{}
	return nil
}

func (e *djState) leave(v reflect.Value) {
	if e.ptrLevel > djCycleDepth {
		k := djSeenKey{p: v.Pointer(), t: v.Type()}
		if v.Kind() == reflect.Slice {
			k.n = v.Len()
		}
		delete(e.seen, k)
	}
	e.ptrLevel--
}

type djEncoderFunc func(e *djState, v reflect.Value, quoted bool) error

var djEncoderCache sync.Map // reflect.Type -> djEncoderFunc

func djTypeEncoder(t reflect.Type) djEncoderFunc {
	if f, ok := djEncoderCache.Load(t); ok {
		return f.(djEncoderFunc)
	}
	// A recursive type reaches itself while its encoder is being built: hand
	// out a forwarder that waits for the real encoder.
	var (
		wg sync.WaitGroup
		f  djEncoderFunc
	)
	wg.Add(1)
	fi, loaded := djEncoderCache.LoadOrStore(t, djEncoderFunc(func(e *djState, v reflect.Value, q bool) error {
		wg.Wait()
		return f(e, v, q)
	}))
	if loaded {
		return fi.(djEncoderFunc)
	}
	f = djNewTypeEncoder(t, true)
	wg.Done()
	djEncoderCache.Store(t, f)
	return f
}

// djSpecialAppender returns the writer of Django's format for t, or nil.
func djSpecialAppender(t reflect.Type) func(b []byte, v reflect.Value) ([]byte, error) {
	switch {
	case t == djTimeType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoTime(b, v.Interface().(time.Time))
		}
	case t == djDurationType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoDuration(b, time.Duration(v.Int())), nil
		}
	case t == djDateType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoDate(b, v.Interface().(Date))
		}
	case t == djTimeOfDayType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoTimeOfDay(b, v.Interface().(TimeOfDay))
		}
	case t == djDecimalType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			p, err := djParseDecimal(v.String())
			if err != nil {
				return b, err
			}
			return append(p.appendTo(append(b, '"')), '"'), nil
		}
	case t == djBigFloatType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			var x *big.Float
			if v.CanAddr() {
				x = v.Addr().Interface().(*big.Float)
			} else {
				c := v.Interface().(big.Float)
				x = &c
			}
			return append(djBigFloatParts(x).appendTo(append(b, '"')), '"'), nil
		}
	case t == djBigRatType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			var x *big.Rat
			if v.CanAddr() {
				x = v.Addr().Interface().(*big.Rat)
			} else {
				c := v.Interface().(big.Rat)
				x = &c
			}
			return append(djBigRatParts(x).appendTo(append(b, '"')), '"'), nil
		}
	case t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8:
		return func(b []byte, v reflect.Value) ([]byte, error) { return djAppendUUID(b, v), nil }
	}
	return nil
}

func djNewTypeEncoder(t reflect.Type, allowAddr bool) djEncoderFunc {
	if app := djSpecialAppender(t); app != nil {
		return func(e *djState, v reflect.Value, _ bool) error {
			b, err := app(e.buf, v)
			e.buf = b
			return err
		}
	}
	switch t.Kind() {
	case reflect.Interface:
		return djInterfaceEncoder
	case reflect.Pointer:
		return djNewPtrEncoder(t)
	}
	if allowAddr && reflect.PointerTo(t).Implements(djMarshalerType) {
		return djCondAddrEncoder(djAddrMarshalerEncoder, djNewTypeEncoder(t, false))
	}
	if t.Implements(djMarshalerType) {
		return djMarshalerEncoder
	}
	if allowAddr && reflect.PointerTo(t).Implements(djTextMarshalerType) {
		return djCondAddrEncoder(djAddrTextMarshalerEncoder, djNewTypeEncoder(t, false))
	}
	if t.Implements(djTextMarshalerType) {
		return djTextMarshalerEncoder
	}
	switch t.Kind() {
	case reflect.Bool:
		return djBoolEncoder
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return djIntEncoder
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return djUintEncoder
	case reflect.Float32:
		return djFloat32Encoder
	case reflect.Float64:
		return djFloat64Encoder
	case reflect.String:
		if t == djNumberType {
			return djNumberEncoder
		}
		return djStringEncoder
	case reflect.Struct:
		return djNewStructEncoder(t)
	case reflect.Map:
		return djNewMapEncoder(t)
	case reflect.Slice:
		return djNewSliceEncoder(t)
	case reflect.Array:
		return djNewArrayEncoder(t)
	}
	return func(_ *djState, v reflect.Value, _ bool) error {
		return &json.UnsupportedTypeError{Type: v.Type()}
	}
}

func djInterfaceEncoder(e *djState, v reflect.Value, _ bool) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.value(v.Elem())
}

func djNewPtrEncoder(t reflect.Type) djEncoderFunc {
	elem := djTypeEncoder(t.Elem())
	return func(e *djState, v reflect.Value, quoted bool) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(v); err != nil {
			return err
		}
		err := elem(e, v.Elem(), quoted)
		e.leave(v)
		return err
	}
}

func djCondAddrEncoder(canAddr, otherwise djEncoderFunc) djEncoderFunc {
	return func(e *djState, v reflect.Value, quoted bool) error {
		if v.CanAddr() {
			return canAddr(e, v, quoted)
		}
		return otherwise(e, v, quoted)
	}
}

func (e *djState) writeMarshalerJSON(t reflect.Type, m json.Marshaler) error {
	b, err := m.MarshalJSON()
	if err == nil {
		var c bytes.Buffer
		if err = json.Compact(&c, b); err == nil {
			w := bytes.NewBuffer(e.buf)
			json.HTMLEscape(w, c.Bytes())
			e.buf = w.Bytes()
		}
	}
	if err != nil {
		return &json.MarshalerError{Type: t, Err: err}
	}
	return nil
}

func (e *djState) writeTextMarshaler(t reflect.Type, m encoding.TextMarshaler) error {
	b, err := m.MarshalText()
	if err != nil {
		return &json.MarshalerError{Type: t, Err: err}
	}
	e.buf = djAppendJSONString(e.buf, string(b), true)
	return nil
}

func djMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.writeMarshalerJSON(v.Type(), m)
}

func djAddrMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	return e.writeMarshalerJSON(v.Type(), v.Addr().Interface().(json.Marshaler))
}

func djTextMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.writeTextMarshaler(v.Type(), m)
}

func djAddrTextMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	return e.writeTextMarshaler(v.Type(), v.Addr().Interface().(encoding.TextMarshaler))
}

func djBoolEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = strconv.AppendBool(e.buf, v.Bool())
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djIntEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djUintEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djFloat32Encoder(e *djState, v reflect.Value, quoted bool) error {
	return e.float(v, 32, quoted)
}

func djFloat64Encoder(e *djState, v reflect.Value, quoted bool) error {
	return e.float(v, 64, quoted)
}

// float writes f as encoding/json does: the shortest representation, in
// exponent form only below 1e-6 or from 1e21 on.
func (e *djState) float(v reflect.Value, bits int, quoted bool) error {
	f := v.Float()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return &json.UnsupportedValueError{Value: v, Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	if quoted {
		e.buf = append(e.buf, '"')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b := strconv.AppendFloat(e.buf, f, format, -1, bits)
	if format == 'e' { // e-07 -> e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	e.buf = b
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djStringEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		inner := djAppendJSONString(nil, v.String(), true)
		e.buf = djAppendJSONString(e.buf, string(inner), false)
		return nil
	}
	e.buf = djAppendJSONString(e.buf, v.String(), true)
	return nil
}

func djNumberEncoder(e *djState, v reflect.Value, quoted bool) error {
	s := v.String()
	if s == "" {
		s = "0"
	}
	if !djValidJSONNumber(s) {
		return fmt.Errorf("json: invalid number literal %q", s)
	}
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = append(e.buf, s...)
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

// djValidJSONNumber reports whether s is a JSON number literal.
func djValidJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		for s = s[1:]; s != "" && '0' <= s[0] && s[0] <= '9'; s = s[1:] {
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		for s = s[2:]; s != "" && '0' <= s[0] && s[0] <= '9'; s = s[1:] {
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		if s[0] < '0' || s[0] > '9' {
			return false
		}
		for s = s[1:]; s != "" && '0' <= s[0] && s[0] <= '9'; s = s[1:] {
		}
	}
	return s == ""
}

const djHexDigits = "0123456789abcdef"

// djAppendJSONString writes s as a JSON string as encoding/json does:
// invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are escaped, and with
// html so are <, > and &.
func djAppendJSONString(b []byte, s string, html bool) []byte {
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
				b = append(b, '\\', 'u', '0', '0', djHexDigits[c>>4], djHexDigits[c&15])
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
			b = append(b, '\\', 'u', '2', '0', '2', djHexDigits[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func djNewSliceEncoder(t reflect.Type) djEncoderFunc {
	el := t.Elem()
	if el.Kind() == reflect.Uint8 {
		p := reflect.PointerTo(el)
		if !p.Implements(djMarshalerType) && !p.Implements(djTextMarshalerType) {
			return func(e *djState, v reflect.Value, _ bool) error {
				if v.IsNil() {
					e.buf = append(e.buf, "null"...)
					return nil
				}
				e.buf = append(e.buf, '"')
				e.buf = base64.StdEncoding.AppendEncode(e.buf, v.Bytes())
				e.buf = append(e.buf, '"')
				return nil
			}
		}
	}
	arr := djNewArrayEncoder(t)
	return func(e *djState, v reflect.Value, q bool) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(v); err != nil {
			return err
		}
		err := arr(e, v, q)
		e.leave(v)
		return err
	}
}

func djNewArrayEncoder(t reflect.Type) djEncoderFunc {
	elem := djTypeEncoder(t.Elem())
	return func(e *djState, v reflect.Value, _ bool) error {
		e.buf = append(e.buf, '[')
		for i, n := 0, v.Len(); i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := elem(e, v.Index(i), false); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		return nil
	}
}

// djMapKeyFunc returns the function giving a map key's JSON name, or nil when
// keys of type t cannot be encoded.
func djMapKeyFunc(t reflect.Type) func(reflect.Value) (string, error) {
	special := func(app func([]byte, reflect.Value) ([]byte, error)) func(reflect.Value) (string, error) {
		return func(k reflect.Value) (string, error) {
			b, err := app(nil, k)
			if err != nil {
				return "", err
			}
			// All special forms are quoted ASCII without escapes.
			return string(b[1 : len(b)-1]), nil
		}
	}
	if app := djSpecialAppender(t); app != nil {
		return special(app)
	}
	if t.Kind() == reflect.Pointer {
		if app := djSpecialAppender(t.Elem()); app != nil {
			f := special(app)
			return func(k reflect.Value) (string, error) {
				if k.IsNil() {
					return "", nil
				}
				return f(k.Elem())
			}
		}
	}
	if t.Kind() == reflect.String {
		return func(k reflect.Value) (string, error) { return k.String(), nil }
	}
	if t.Implements(djTextMarshalerType) {
		return func(k reflect.Value) (string, error) {
			if k.Kind() == reflect.Pointer && k.IsNil() {
				return "", nil
			}
			b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return "", &json.MarshalerError{Type: k.Type(), Err: err}
			}
			return string(b), nil
		}
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(k reflect.Value) (string, error) { return strconv.FormatInt(k.Int(), 10), nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(k reflect.Value) (string, error) { return strconv.FormatUint(k.Uint(), 10), nil }
	}
	return nil
}

func djNewMapEncoder(t reflect.Type) djEncoderFunc {
	keyName := djMapKeyFunc(t.Key())
	if keyName == nil {
		return func(_ *djState, v reflect.Value, _ bool) error {
			return &json.UnsupportedTypeError{Type: v.Type()}
		}
	}
	elem := djTypeEncoder(t.Elem())
	type kv struct {
		name string
		v    reflect.Value
	}
	return func(e *djState, v reflect.Value, _ bool) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(v); err != nil {
			return err
		}
		defer e.leave(v)
		kvs := make([]kv, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			name, err := keyName(it.Key())
			if err != nil {
				return err
			}
			kvs = append(kvs, kv{name, it.Value()})
		}
		slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.name, b.name) })
		e.buf = append(e.buf, '{')
		for i, p := range kvs {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = djAppendJSONString(e.buf, p.name, true)
			e.buf = append(e.buf, ':')
			if err := elem(e, p.v, false); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
}

// djField is a struct field as encoding/json sees it.
type djField struct {
	name      string
	key       []byte // `"name":`
	index     []int
	typ       reflect.Type
	tagged    bool
	omitEmpty bool
	omitZero  bool
	quoted    bool
	isZero    func(reflect.Value) bool
	enc       djEncoderFunc
}

func djNewStructEncoder(t reflect.Type) djEncoderFunc {
	fields := djStructFields(t)
	for i := range fields {
		f := &fields[i]
		f.key = append(djAppendJSONString(nil, f.name, true), ':')
		f.enc = djTypeEncoder(f.typ)
	}
	return func(e *djState, v reflect.Value, _ bool) error {
		e.buf = append(e.buf, '{')
		first := true
	fields:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, x := range f.index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue fields
					}
					fv = fv.Elem()
				}
				fv = fv.Field(x)
			}
			if f.omitEmpty && djIsEmptyValue(fv) || f.omitZero && f.isZero(fv) {
				continue
			}
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = append(e.buf, f.key...)
			if err := f.enc(e, fv, f.quoted); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
}

func djIsEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

func djZeroFunc(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(djIsZeroerType),
		t.Kind() == reflect.Pointer && t.Implements(djIsZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Implements(djIsZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(interface{ IsZero() bool }).IsZero() }
	case reflect.PointerTo(t).Implements(djIsZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				c := reflect.New(v.Type()).Elem()
				c.Set(v)
				v = c
			}
			return v.Addr().Interface().(interface{ IsZero() bool }).IsZero()
		}
	}
	return reflect.Value.IsZero
}

// djJsonTag splits a json struct tag into its name and options.
func djJsonTag(tag string) (name string, opts []string) {
	name, rest, _ := strings.Cut(tag, ",")
	if rest != "" {
		opts = strings.Split(rest, ",")
	}
	return name, opts
}

func djValidTagName(s string) bool {
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

// djStructFields lists the fields encoding/json encodes for struct type t,
// in its order: exported fields by their tag name or Go name, fields of
// embedded structs without a tag name promoted, and among fields of one
// name the shallowest wins, a tagged one before untagged ones at the same
// depth; two equally good fields of one name hide each other.
func djStructFields(t reflect.Type) []djField {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var all []djField
	next := []level{{typ: t}}
	count, nextCount := map[reflect.Type]int{}, map[reflect.Type]int{}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current := next
		next = nil
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, lv := range current {
			if visited[lv.typ] {
				continue
			}
			visited[lv.typ] = true
			for i := 0; i < lv.typ.NumField(); i++ {
				sf := lv.typ.Field(i)
				if sf.Anonymous {
					et := sf.Type
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if !sf.IsExported() && et.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts := djJsonTag(tag)
				if !djValidTagName(name) {
					name = ""
				}
				index := append(slices.Clip(lv.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					f := djField{
						name:      name,
						tagged:    name != "",
						index:     index,
						typ:       sf.Type,
						omitEmpty: slices.Contains(opts, "omitempty"),
						omitZero:  slices.Contains(opts, "omitzero"),
					}
					if f.name == "" {
						f.name = sf.Name
					}
					if f.omitZero {
						f.isZero = djZeroFunc(sf.Type)
					}
					if slices.Contains(opts, "string") {
						switch ft.Kind() {
						case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
							reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
							reflect.Float32, reflect.Float64, reflect.String:
							f.quoted = true
						}
					}
					all = append(all, f)
					if count[lv.typ] > 1 {
						// The embedding struct occurs more than once at this
						// depth: a duplicate makes the field ambiguous.
						all = append(all, all[len(all)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, level{typ: ft, index: index})
				}
			}
		}
	}
	slices.SortStableFunc(all, func(a, b djField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := all[:0:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		group := all[i:j]
		if len(group) == 1 || len(group[0].index) != len(group[1].index) || group[0].tagged != group[1].tagged {
			out = append(out, group[0])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b djField) int { return slices.Compare(a.index, b.index) })
	return out
}
