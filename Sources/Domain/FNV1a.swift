/// FNV-1a, 64 bits: a fast, stable, unseeded hash of bytes — a fingerprint or a bucket hint, never
/// a cryptographic digest (that is ``SHA256``).
public enum FNV1a {
    /// FNV-1a 64 of the UTF-8 bytes of `text` (no Unicode normalisation, unlike `String`'s hash).
    public static func hash64(utf8 text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        if hashed == nil {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        return hash
    }
}
