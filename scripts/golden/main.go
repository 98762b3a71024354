// Command golden produces and checks serfts's golden wire vectors using the
// real go-msgpack 0.5.3 codec, Go's compress/lzw and hash/crc32.
//
// memberlist keeps its message structs unexported, so this program declares
// look-alike structs with the same field names, types and codec tags: the
// encoder only sees names, kinds and tags, so the bytes are the ones
// memberlist 0.2.2 puts on the wire.
//
// Usage:
//
//	golden gen [dir]          write memberlist.json and msgpack.json into dir
//	                          (default tests/data/golden)
//	golden decode <kind>      read one hex string on stdin, print the decoded JSON
//	golden decode-batch       read "<kind> <hex>" lines, print one JSON line each
package main

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/hashicorp/go-msgpack/codec"
)

// Message type bytes, numbered as memberlist numbers them.
const (
	typePing         = 0
	typeIndirectPing = 1
	typeAck          = 2
	typeSuspect      = 3
	typeAlive        = 4
	typeDead         = 5
	typePushPull     = 6
	typeCompound     = 7
	typeUser         = 8
	typeCompress     = 9
	typeNack         = 11
	typeHasCrc       = 12
	typeErr          = 13
)

type ping struct {
	SeqNo      uint32
	Node       string
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type indirectPingReq struct {
	SeqNo      uint32
	Target     []byte
	Port       uint16
	Node       string
	Nack       bool
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type ackResp struct {
	SeqNo   uint32
	Payload []byte
}

type nackResp struct {
	SeqNo uint32
}

type errResp struct {
	Error string
}

type suspect struct {
	Incarnation uint32
	Node        string
	From        string
}

type alive struct {
	Incarnation uint32
	Node        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Vsn         []uint8
}

type dead struct {
	Incarnation uint32
	Node        string
	From        string
}

type pushPullHeader struct {
	Nodes        int
	UserStateLen int
	Join         bool
}

type userMsgHeader struct {
	UserMsgLen int
}

type nodeStateType int

type pushNodeState struct {
	Name        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       nodeStateType
	Vsn         []uint8
}

type compressionType uint8

type compress struct {
	Algo compressionType
	Buf  []byte
}

// messageKinds maps a vector kind to its type byte and a constructor for the
// struct it decodes into.
var messageKinds = map[string]struct {
	typ  byte
	make func() interface{}
}{
	"ping":         {typePing, func() interface{} { return &ping{} }},
	"indirectPing": {typeIndirectPing, func() interface{} { return &indirectPingReq{} }},
	"ackResp":      {typeAck, func() interface{} { return &ackResp{} }},
	"nackResp":     {typeNack, func() interface{} { return &nackResp{} }},
	"err":          {typeErr, func() interface{} { return &errResp{} }},
	"suspect":      {typeSuspect, func() interface{} { return &suspect{} }},
	"alive":        {typeAlive, func() interface{} { return &alive{} }},
	"dead":         {typeDead, func() interface{} { return &dead{} }},
}

// streamKinds are objects memberlist writes bare (no type byte) on streams.
var streamKinds = map[string]func() interface{}{
	"pushPullHeader": func() interface{} { return &pushPullHeader{} },
	"pushNodeState":  func() interface{} { return &pushNodeState{} },
	"userMsgHeader":  func() interface{} { return &userMsgHeader{} },
	"compressBody":   func() interface{} { return &compress{} },
}

func msgpackEncode(v interface{}) []byte {
	var buf bytes.Buffer
	if err := codec.NewEncoder(&buf, &codec.MsgpackHandle{}).Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func msgpackDecode(b []byte, out interface{}) error {
	return codec.NewDecoder(bytes.NewReader(b), &codec.MsgpackHandle{}).Decode(out)
}

func withType(t byte, v interface{}) []byte {
	return append([]byte{t}, msgpackEncode(v)...)
}

func lzwCompress(in []byte) []byte {
	var buf bytes.Buffer
	w := lzw.NewWriter(&buf, lzw.LSB, 8)
	if _, err := w.Write(in); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func lzwDecompress(in []byte) ([]byte, error) {
	r := lzw.NewReader(bytes.NewReader(in), lzw.LSB, 8)
	defer r.Close()
	return io.ReadAll(r)
}

func compound(parts [][]byte) []byte {
	out := []byte{typeCompound, byte(len(parts))}
	for _, p := range parts {
		out = binary.BigEndian.AppendUint16(out, uint16(len(p)))
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func withCrc(payload []byte) []byte {
	out := []byte{typeHasCrc, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], crc32.ChecksumIEEE(payload))
	return append(out, payload...)
}

// jsonable turns a decoded struct into a JSON-friendly map: byte slices
// (including Vsn) become lowercase hex so both sides compare exact bytes.
func jsonable(v interface{}) map[string]interface{} {
	rv := reflect.Indirect(reflect.ValueOf(v))
	out := map[string]interface{}{}
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		name := rv.Type().Field(i).Name
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8 {
			out[name] = hex.EncodeToString(f.Bytes())
		} else {
			out[name] = f.Interface()
		}
	}
	return out
}

func ip(s ...byte) []byte { return s }

var ipv6 = []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}

type vector map[string]interface{}

func messageVector(name, kind string, v interface{}, extra vector) vector {
	b := withType(messageKinds[kind].typ, v)
	out := vector{"name": name, "kind": kind, "hex": hex.EncodeToString(b), "fields": jsonable(v)}
	for k, x := range extra {
		out[k] = x
	}
	return out
}

func streamVector(name, kind string, v interface{}) vector {
	return vector{"name": name, "kind": kind, "hex": hex.EncodeToString(msgpackEncode(v)), "fields": jsonable(v)}
}

func memberlistVectors() []vector {
	vsn := []uint8{1, 5, 2, 2, 5, 4}
	long40 := strings.Repeat("n", 40)
	long300 := bytes.Repeat([]byte{0xab}, 300)
	pingA := ping{SeqNo: 42, Node: "b", SourceAddr: ip(127, 0, 0, 1), SourcePort: 7946, SourceNode: "a"}
	suspectA := suspect{Incarnation: 3, Node: "node-b", From: "node-a"}
	aliveA := alive{Incarnation: 5, Node: "node-a", Addr: ip(10, 0, 0, 1), Port: 7946,
		Meta: []byte("role=web"), Vsn: vsn}
	out := []vector{
		messageVector("ping_plain", "ping", &ping{SeqNo: 1, Node: "node-a"}, nil),
		messageVector("ping_source", "ping", &pingA, nil),
		messageVector("ping_source_ipv6", "ping", &ping{SeqNo: 0, Node: "", SourceAddr: ipv6,
			SourcePort: 65535, SourceNode: long40}, nil),
		messageVector("indirect_ping", "indirectPing", &indirectPingReq{SeqNo: 100000,
			Target: ip(10, 0, 0, 2), Port: 7946, Node: "c", Nack: true,
			SourceAddr: ip(10, 0, 0, 1), SourcePort: 7947, SourceNode: "a"}, nil),
		messageVector("indirect_ping_no_source", "indirectPing", &indirectPingReq{SeqNo: 127,
			Target: ipv6, Port: 128, Node: "c"}, nil),
		messageVector("ack_payload", "ackResp", &ackResp{SeqNo: 7, Payload: bytes.Repeat([]byte{1, 2, 3}, 20)}, nil),
		messageVector("ack_nil_payload", "ackResp", &ackResp{SeqNo: 255}, nil),
		// Go writes a non-nil empty slice as an empty raw, which serfts never
		// produces (it writes nil), so this one is only decoded.
		messageVector("ack_empty_payload", "ackResp", &ackResp{SeqNo: 256, Payload: []byte{}},
			vector{"decodeOnly": true}),
		messageVector("nack", "nackResp", &nackResp{SeqNo: 4294967295}, nil),
		messageVector("nack_zero", "nackResp", &nackResp{SeqNo: 0}, nil),
		messageVector("err", "err", &errResp{Error: "Cannot handle: unknown type"}, nil),
		messageVector("err_long", "err", &errResp{Error: strings.Repeat("e", 300)}, nil),
		messageVector("err_empty", "err", &errResp{}, nil),
		messageVector("suspect", "suspect", &suspectA, nil),
		messageVector("alive", "alive", &aliveA, nil),
		messageVector("alive_edges", "alive", &alive{Incarnation: 4294967295, Node: long40,
			Addr: ipv6, Port: 65535, Meta: nil, Vsn: vsn}, nil),
		messageVector("alive_long_meta", "alive", &alive{Incarnation: 65536, Node: "m",
			Addr: ip(192, 168, 1, 20), Port: 1, Meta: long300, Vsn: []uint8{0, 0, 0, 0, 0, 0}}, nil),
		messageVector("alive_meta_256", "alive", &alive{Incarnation: 65535, Node: strings.Repeat("x", 31),
			Addr: ip(1, 2, 3, 4), Port: 256, Meta: bytes.Repeat([]byte("m"), 32), Vsn: vsn}, nil),
		messageVector("dead", "dead", &dead{Incarnation: 2147483648, Node: "node-b", From: "node-a"}, nil),
		messageVector("dead_leave", "dead", &dead{Incarnation: 1, Node: "node-a", From: "node-a"}, nil),
		streamVector("push_pull_header", "pushPullHeader", &pushPullHeader{Nodes: 3, UserStateLen: 1234, Join: true}),
		streamVector("push_pull_header_zero", "pushPullHeader", &pushPullHeader{}),
		streamVector("push_pull_header_big", "pushPullHeader", &pushPullHeader{Nodes: 70000, UserStateLen: 20971520}),
		streamVector("push_node_state", "pushNodeState", &pushNodeState{Name: "node-a", Addr: ip(10, 0, 0, 1),
			Port: 7946, Meta: []byte("role=db"), Incarnation: 9, State: 1, Vsn: vsn}),
		streamVector("push_node_state_left", "pushNodeState", &pushNodeState{Name: long40, Addr: ipv6,
			Port: 7946, Incarnation: 4294967295, State: 3, Vsn: vsn}),
		streamVector("user_msg_header", "userMsgHeader", &userMsgHeader{UserMsgLen: 200}),
		streamVector("user_msg_header_big", "userMsgHeader", &userMsgHeader{UserMsgLen: 70000}),
	}

	parts := [][]byte{withType(typePing, &pingA), withType(typeSuspect, &suspectA), withType(typeAlive, &aliveA)}
	partsHex := []string{}
	for _, p := range parts {
		partsHex = append(partsHex, hex.EncodeToString(p))
	}
	out = append(out, vector{"name": "compound_3", "kind": "compound",
		"hex": hex.EncodeToString(compound(parts)), "parts": partsHex})

	for _, c := range []struct {
		name    string
		payload []byte
	}{
		{"compress_alive", withType(typeAlive, &aliveA)},
		{"compress_compound", compound(parts)},
	} {
		body := compress{Algo: 0, Buf: lzwCompress(c.payload)}
		out = append(out, vector{"name": c.name, "kind": "compress",
			"hex": hex.EncodeToString(withType(typeCompress, &body)), "payload": hex.EncodeToString(c.payload)})
	}

	pingBytes := withType(typePing, &pingA)
	out = append(out, vector{"name": "crc_ping", "kind": "crc",
		"hex": hex.EncodeToString(withCrc(pingBytes)), "payload": hex.EncodeToString(pingBytes)})

	// A whole push/pull stream after its type byte: header, node states, user state.
	user := []byte("serf user state bytes")
	states := []pushNodeState{
		{Name: "a", Addr: ip(127, 0, 0, 1), Port: 7946, Incarnation: 1, State: 0, Vsn: vsn},
		{Name: "b", Addr: ip(127, 0, 0, 2), Port: 7946, Meta: []byte("x"), Incarnation: 2, State: 2, Vsn: vsn},
	}
	stream := []byte{typePushPull}
	stream = append(stream, msgpackEncode(&pushPullHeader{Nodes: 2, UserStateLen: len(user), Join: false})...)
	statesJSON := []interface{}{}
	for i := range states {
		stream = append(stream, msgpackEncode(&states[i])...)
		statesJSON = append(statesJSON, jsonable(&states[i]))
	}
	stream = append(stream, user...)
	out = append(out, vector{"name": "push_pull_stream", "kind": "pushPullStream", "hex": hex.EncodeToString(stream),
		"fields": map[string]interface{}{"Nodes": statesJSON, "UserState": hex.EncodeToString(user), "Join": false}})

	for _, l := range lzwInputs() {
		out = append(out, vector{"name": l.name, "kind": "lzw", "hex": hex.EncodeToString(lzwCompress(l.data)),
			"payload": hex.EncodeToString(l.data)})
	}
	return out
}

type namedBytes struct {
	name string
	data []byte
}

// lzwInputs covers the code-width steps (9 to 12 bits) and, with the larger
// inputs, the table reset after code 4095.
func lzwInputs() []namedBytes {
	rng := rand.New(rand.NewSource(7946))
	random := make([]byte, 6000)
	rng.Read(random)
	lowEntropy := make([]byte, 30000)
	for i := range lowEntropy {
		lowEntropy[i] = byte('a' + rng.Intn(4))
	}
	return []namedBytes{
		{"lzw_empty", []byte{}},
		{"lzw_one_byte", []byte{0x42}},
		{"lzw_repeat", bytes.Repeat([]byte{'a'}, 1000)},
		{"lzw_text", []byte(strings.Repeat("memberlist gossips with SWIM and Lifeguard. ", 40))},
		{"lzw_random", random},
		{"lzw_low_entropy", lowEntropy},
	}
}

// msgpackVectors pin the encoder's choice of forms for plain Go values.
func msgpackVectors() []vector {
	out := []vector{}
	add := func(name, kind string, value interface{}, goValue interface{}) {
		out = append(out, vector{"name": name, "kind": kind, "value": value, "hex": hex.EncodeToString(msgpackEncode(goValue))})
	}
	for _, i := range []int64{0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991,
		-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -9007199254740991} {
		add(fmt.Sprintf("int64_%d", i), "int", fmt.Sprint(i), i)
	}
	for _, u := range []uint64{18446744073709551615} {
		add(fmt.Sprintf("uint64_%d", u), "uint", fmt.Sprint(u), u)
	}
	add("uint8_200", "int", "200", uint8(200))
	add("float64_1", "float64", 1.0, float64(1))
	add("float64_frac", "float64", -2.5, float64(-2.5))
	add("float32_frac", "float32", 1.5, float32(1.5))
	add("bool_true", "bool", true, true)
	add("bool_false", "bool", false, false)
	add("nil", "nil", nil, nil)
	for _, n := range []int{0, 31, 32, 255, 256, 65536} {
		add(fmt.Sprintf("string_%d", n), "string", strings.Repeat("s", n), strings.Repeat("s", n))
	}
	add("string_utf8", "string", "héllo ☃", "héllo ☃")
	for _, n := range []int{0, 5, 40} {
		b := bytes.Repeat([]byte{0xfe}, n)
		add(fmt.Sprintf("bytes_%d", n), "bytes", hex.EncodeToString(b), b)
	}
	// A bare nil []byte takes go-msgpack's fast path and comes out as an empty
	// raw; only a nil slice inside a struct (reflection path) is written as nil.
	add("bytes_nil_bare", "bytes", "", []byte(nil))
	add("array_strings", "strings", []string{"a", "bc"}, []string{"a", "bc"})
	add("array_16", "ints", make([]int64, 16), make([]int64, 16))
	return out
}

func writeJSON(path string, v interface{}) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		panic(err)
	}
}

// withReencoding adds "_hex": the bytes Go writes for the struct it decoded,
// so a test can check serfts's encoding is the one Go would produce.
func withReencoding(fields map[string]interface{}, encoded []byte) map[string]interface{} {
	fields["_hex"] = hex.EncodeToString(encoded)
	return fields
}

// decodeOne decodes one vector of the given kind and returns its JSON form,
// or {"error": ...} when Go refuses the input.
func decodeOne(kind string, b []byte) (result interface{}) {
	defer func() {
		if r := recover(); r != nil {
			result = map[string]interface{}{"error": fmt.Sprint(r)}
		}
	}()
	fail := func(err error) interface{} { return map[string]interface{}{"error": err.Error()} }
	if mk, ok := messageKinds[kind]; ok {
		if len(b) < 1 || b[0] != mk.typ {
			return fail(fmt.Errorf("wrong type byte for %s", kind))
		}
		v := mk.make()
		if err := msgpackDecode(b[1:], v); err != nil {
			return fail(err)
		}
		return withReencoding(jsonable(v), withType(mk.typ, v))
	}
	if mk, ok := streamKinds[kind]; ok {
		v := mk()
		if err := msgpackDecode(b, v); err != nil {
			return fail(err)
		}
		return withReencoding(jsonable(v), msgpackEncode(v))
	}
	switch kind {
	case "compress":
		var c compress
		if len(b) < 1 || b[0] != typeCompress {
			return fail(fmt.Errorf("wrong type byte for compress"))
		}
		if err := msgpackDecode(b[1:], &c); err != nil {
			return fail(err)
		}
		payload, err := lzwDecompress(c.Buf)
		if err != nil {
			return fail(err)
		}
		return map[string]interface{}{"Algo": c.Algo, "payload": hex.EncodeToString(payload)}
	case "lzw":
		payload, err := lzwDecompress(b)
		if err != nil {
			return fail(err)
		}
		return map[string]interface{}{"payload": hex.EncodeToString(payload)}
	case "crc":
		if len(b) < 5 || b[0] != typeHasCrc {
			return fail(fmt.Errorf("not a crc message"))
		}
		ok := crc32.ChecksumIEEE(b[5:]) == binary.BigEndian.Uint32(b[1:5])
		return map[string]interface{}{"ok": ok, "payload": hex.EncodeToString(b[5:])}
	case "compound":
		return decodeCompound(b)
	}
	return fail(fmt.Errorf("unknown kind %q", kind))
}

// decodeCompound splits a compound message (type byte included) the way
// memberlist's receiver does, reporting how many parts were cut off.
func decodeCompound(b []byte) interface{} {
	if len(b) < 2 || b[0] != typeCompound {
		return map[string]interface{}{"error": "not a compound message"}
	}
	n := int(b[1])
	rest := b[2:]
	if len(rest) < 2*n {
		return map[string]interface{}{"error": "truncated len slice"}
	}
	lengths := rest[:2*n]
	rest = rest[2*n:]
	parts := []string{}
	for i := 0; i < n; i++ {
		l := int(binary.BigEndian.Uint16(lengths[2*i:]))
		if len(rest) < l {
			return map[string]interface{}{"parts": parts, "truncated": n - i}
		}
		parts = append(parts, hex.EncodeToString(rest[:l]))
		rest = rest[l:]
	}
	return map[string]interface{}{"parts": parts, "truncated": 0}
}

func printDecoded(kind, hexText string) {
	b, err := hex.DecodeString(strings.TrimSpace(hexText))
	var result interface{}
	if err != nil {
		result = map[string]interface{}{"error": "bad hex: " + err.Error()}
	} else {
		result = decodeOne(kind, b)
	}
	line, err := json.Marshal(result)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: golden gen [dir] | decode <kind> | decode-batch")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "gen":
		dir := filepath.Join("tests", "data", "golden")
		if len(os.Args) > 2 {
			dir = os.Args[2]
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			panic(err)
		}
		writeJSON(filepath.Join(dir, "memberlist.json"), map[string]interface{}{
			"generator": "scripts/golden/main.go (go-msgpack 0.5.3, memberlist 0.2.2 structs)",
			"vectors":   memberlistVectors(),
		})
		writeJSON(filepath.Join(dir, "msgpack.json"), map[string]interface{}{
			"generator": "scripts/golden/main.go (go-msgpack 0.5.3 MsgpackHandle{})",
			"vectors":   msgpackVectors(),
		})
	case "decode":
		if len(os.Args) < 3 {
			fmt.Fprintln(os.Stderr, "usage: golden decode <kind> < hex")
			os.Exit(2)
		}
		in, err := io.ReadAll(os.Stdin)
		if err != nil {
			panic(err)
		}
		printDecoded(os.Args[2], string(in))
	case "decode-batch":
		scanner := bufio.NewScanner(os.Stdin)
		scanner.Buffer(make([]byte, 1<<20), 1<<26)
		for scanner.Scan() {
			kind, hexText, _ := strings.Cut(scanner.Text(), " ")
			printDecoded(kind, hexText)
		}
		if err := scanner.Err(); err != nil {
			panic(err)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}
