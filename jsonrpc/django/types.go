package django

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date without a time or a zone, Python's datetime.date.
// It encodes, with [Encoder] and with encoding/json, as the string
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
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
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
	return d.Day <= daysIn(d.Month, d.Year)
}

// IsZero reports whether d is the zero Date (so that the omitzero option
// leaves it out).
func (d Date) IsZero() bool { return d == Date{} }

// String returns "YYYY-MM-DD" (the fields as they are, even when invalid).
func (d Date) String() string { return string(appendDateDigits(nil, d.Year, int(d.Month), d.Day)) }

// MarshalJSON returns the date as Encoder writes it.
func (d Date) MarshalJSON() ([]byte, error) {
	b, err := appendDjangoDate(make([]byte, 0, 12), d)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// UnmarshalJSON reads a "YYYY-MM-DD" string; null leaves d unchanged.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, null, err := unquoteJSON(b, "Date")
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
// datetime.time. It encodes, with [Encoder] and with encoding/json,
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
	if t.Hour, ok = atoiDigits(s[0:2]); !ok {
		return bad()
	}
	if t.Minute, ok = atoiDigits(s[3:5]); !ok {
		return bad()
	}
	rest := s[5:]
	if rest != "" {
		if len(rest) < 3 || rest[0] != ':' {
			return bad()
		}
		if t.Second, ok = atoiDigits(rest[1:3]); !ok {
			return bad()
		}
		rest = rest[3:]
		if rest != "" {
			frac := rest[1:]
			if rest[0] != '.' && rest[0] != ',' || len(frac) < 1 || len(frac) > 9 {
				return bad()
			}
			n, ok := atoiDigits(frac)
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

// String returns the time as Encoder writes it (the fields as they
// are, even when invalid).
func (t TimeOfDay) String() string { return string(appendTimeOfDayDigits(nil, t)) }

// MarshalJSON returns the time of day as Encoder writes it.
func (t TimeOfDay) MarshalJSON() ([]byte, error) {
	return appendDjangoTimeOfDay(make([]byte, 0, 16), t)
}

// UnmarshalJSON reads a string in a form [ParseTimeOfDay] accepts; null
// leaves t unchanged.
func (t *TimeOfDay) UnmarshalJSON(b []byte) error {
	s, null, err := unquoteJSON(b, "TimeOfDay")
	if err != nil || null {
		return err
	}
	return t.UnmarshalText([]byte(s))
}

// MarshalText returns the time of day as Encoder writes it, without
// quotes.
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.IsValid() {
		return nil, fmt.Errorf("jsonrpc: invalid time of day %s", t)
	}
	return appendTimeOfDayDigits(nil, t), nil
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
// It encodes, with [Encoder] and with encoding/json, as a JSON string
// holding what Python's str(Decimal(text)) returns: the sign, then the digits
// in plain notation when the exponent is at most zero and the number is not
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

// MarshalJSON returns the decimal as Encoder writes it.
func (d Decimal) MarshalJSON() ([]byte, error) {
	p, err := parseDecimal(string(d))
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
	s, null, err := unquoteJSON(b, "Decimal")
	if err != nil || null {
		return err
	}
	if _, err := parseDecimal(s); err != nil {
		return err
	}
	*d = Decimal(s)
	return nil
}

func unquoteJSON(b []byte, what string) (s string, null bool, err error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return "", true, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return "", false, fmt.Errorf("jsonrpc: cannot read %s from %s: want a string", what, b)
	}
	return s, false, nil
}

// atoiDigits parses a non-empty string of ASCII digits.
func atoiDigits(s string) (int, bool) {
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

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
