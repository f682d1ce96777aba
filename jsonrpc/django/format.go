package django

import (
	"fmt"
	"reflect"
	"strconv"
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
