// SPDX-License-Identifier: Apache-2.0

package remediation

import "sync"

// DefaultOutputLimit is how much of each output stream a result keeps.
// Results travel in Temporal payloads (2 MiB hard limit, history grows with
// every attempt), and the end of a failing script's output is the part that
// explains the failure, so the tail is kept.
const DefaultOutputLimit = 64 << 10

// tailBuffer is an io.Writer that keeps the last limit bytes written and
// counts the rest. It is safe for concurrent Write and snapshot calls: the
// process writes while the heartbeat loop reads the counters.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	buf   []byte
	total int64
}

func newTailBuffer(limit int) *tailBuffer {
	if limit <= 0 {
		limit = DefaultOutputLimit
	}
	return &tailBuffer{limit: limit}
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += int64(len(p))
	if len(p) >= b.limit {
		b.buf = append(b.buf[:0], p[len(p)-b.limit:]...)
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	// Trim only once the buffer is twice the limit so copying stays
	// amortised O(1) per byte.
	if len(b.buf) > 2*b.limit {
		n := copy(b.buf, b.buf[len(b.buf)-b.limit:])
		b.buf = b.buf[:n]
	}
	return len(p), nil
}

// Total is the number of bytes written so far.
func (b *tailBuffer) Total() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// Tail returns the kept text and whether anything before it was dropped.
func (b *tailBuffer) Tail() (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.buf
	if len(t) > b.limit {
		t = t[len(t)-b.limit:]
	}
	return string(t), b.total > int64(len(t))
}
