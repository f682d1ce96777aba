package django

import (
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// --- Django formats -------------------------------------------------------

func appendPad(b []byte, n, width int) []byte {
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

func appendDateDigits(b []byte, y, m, d int) []byte {
	b = appendPad(b, y, 4)
	b = append(b, '-')
	b = appendPad(b, m, 2)
	b = append(b, '-')
	return appendPad(b, d, 2)
}

// appendMillis writes ".mmm" when the nanoseconds hold a non-zero number of
// microseconds: Django cuts isoformat's six digits to three.
func appendMillis(b []byte, nsec int) []byte {
	if us := nsec / 1000; us != 0 {
		b = append(b, '.')
		b = appendPad(b, us/1000, 3)
	}
	return b
}

func appendTimeOfDayDigits(b []byte, t TimeOfDay) []byte {
	b = appendPad(b, t.Hour, 2)
	b = append(b, ':')
	b = appendPad(b, t.Minute, 2)
	b = append(b, ':')
	b = appendPad(b, t.Second, 2)
	return appendMillis(b, t.Nanosecond)
}

// appendDjangoTime writes t as Django's DjangoJSONEncoder writes an aware
// datetime, with quotes.
func appendDjangoTime(b []byte, t time.Time) ([]byte, error) {
	y := t.Year()
	if y < 0 || y > 9999 {
		return b, fmt.Errorf("jsonrpc: time %v: year outside of range [0,9999]", t)
	}
	mo, d := t.Month(), t.Day()
	h, mi, s := t.Clock()
	b = append(b, '"')
	b = appendDateDigits(b, y, int(mo), d)
	b = append(b, 'T')
	b = appendTimeOfDayDigits(b, TimeOfDay{Hour: h, Minute: mi, Second: s, Nanosecond: t.Nanosecond()})
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
		b = appendPad(b, off/3600, 2)
		b = append(b, ':')
		b = appendPad(b, off/60%60, 2)
		if off%60 != 0 {
			b = append(b, ':')
			b = appendPad(b, off%60, 2)
		}
	}
	return append(b, '"'), nil
}

func appendDjangoDate(b []byte, d Date) ([]byte, error) {
	if !d.IsValid() {
		return b, fmt.Errorf("jsonrpc: invalid date %s", d)
	}
	b = append(b, '"')
	b = appendDateDigits(b, d.Year, int(d.Month), d.Day)
	return append(b, '"'), nil
}

func appendDjangoTimeOfDay(b []byte, t TimeOfDay) ([]byte, error) {
	if !t.IsValid() {
		return b, fmt.Errorf("jsonrpc: invalid time of day %s", t)
	}
	b = append(b, '"')
	b = appendTimeOfDayDigits(b, t)
	return append(b, '"'), nil
}

// appendDjangoDuration writes Django's duration_iso_string(d), with quotes.
func appendDjangoDuration(b []byte, d time.Duration) []byte {
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
	b = appendPad(b, int(secs/3600), 2)
	b = append(b, 'H')
	b = appendPad(b, int(secs/60%60), 2)
	b = append(b, 'M')
	b = appendPad(b, int(secs%60), 2)
	if us != 0 {
		b = append(b, '.')
		b = appendPad(b, int(us), 6)
	}
	return append(b, 'S', '"')
}

func appendUUID(b []byte, v reflect.Value) []byte {
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

// decParts is a Python decimal: sign, coefficient digits (no leading zeros,
// "0" for zero) and exponent, or a special value.
type decParts struct {
	neg     bool
	coef    string
	exp     int
	special string // "", "Infinity", "NaN" or "sNaN"
}

// parseDecimal reads Python's decimal syntax (see [Decimal]).
func parseDecimal(s string) (decParts, error) {
	var p decParts
	bad := func() (decParts, error) { return decParts{}, fmt.Errorf("jsonrpc: invalid decimal %q", s) }
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
func (p decParts) appendTo(b []byte) []byte {
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

func bigFloatParts(x *big.Float) decParts {
	if x.IsInf() {
		return decParts{neg: x.Signbit(), special: "Infinity"}
	}
	p, err := parseDecimal(x.Text('e', -1))
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
	bigTen   = big.NewInt(10)
	bigTwo   = big.NewInt(2)
	bigFive  = big.NewInt(5)
	big10p28 = new(big.Int).Exp(bigTen, big.NewInt(28), nil)
)

func bigRatParts(x *big.Rat) decParts {
	neg := x.Sign() < 0
	num := new(big.Int).Abs(x.Num())
	den := x.Denom()
	// Finite expansion when den = 2^a 5^c: max(a, c) fractional digits.
	d := new(big.Int).Set(den)
	a, c := 0, 0
	var q, m big.Int
	for {
		q.QuoRem(d, bigTwo, &m)
		if m.Sign() != 0 {
			break
		}
		d.Set(&q)
		a++
	}
	for {
		q.QuoRem(d, bigFive, &m)
		if m.Sign() != 0 {
			break
		}
		d.Set(&q)
		c++
	}
	if d.IsInt64() && d.Int64() == 1 {
		p, err := parseDecimal(new(big.Rat).Abs(x).FloatString(max(a, c)))
		if err != nil {
			panic(err)
		}
		p.neg = neg
		return p
	}
	// 28 significant digits: adj = floor(log10(num/den)).
	adj := len(num.String()) - len(den.String())
	if cmpScaled(num, den, adj) < 0 {
		adj--
	}
	shift := 27 - adj // coef = round(num * 10^shift / den)
	n, dd := new(big.Int).Set(num), new(big.Int).Set(den)
	if shift >= 0 {
		n.Mul(n, new(big.Int).Exp(bigTen, big.NewInt(int64(shift)), nil))
	} else {
		dd.Mul(dd, new(big.Int).Exp(bigTen, big.NewInt(int64(-shift)), nil))
	}
	n.QuoRem(n, dd, &m)
	// The expansion is infinite, so the remainder is never exactly half.
	if m.Lsh(&m, 1).Cmp(dd) > 0 {
		n.Add(n, big.NewInt(1))
	}
	exp := -shift
	if n.Cmp(big10p28) == 0 {
		n.Quo(n, bigTen)
		exp++
	}
	return decParts{neg: neg, coef: n.String(), exp: exp}
}

// cmpScaled compares num with den*10^k.
func cmpScaled(num, den *big.Int, k int) int {
	n, d := new(big.Int).Set(num), new(big.Int).Set(den)
	if k >= 0 {
		d.Mul(d, new(big.Int).Exp(bigTen, big.NewInt(int64(k)), nil))
	} else {
		n.Mul(n, new(big.Int).Exp(bigTen, big.NewInt(int64(-k)), nil))
	}
	return n.Cmp(d)
}
