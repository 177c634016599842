//! The frame check: CRC-32C (Castagnoli), from the `crc` crate's catalogue.

/// CRC-32C: polynomial `0x1EDC6F41`, reflected in and out, init and xor-out `0xFFFFFFFF`
/// (`crc::CRC_32_ISCSI`). Check value for the ASCII bytes `123456789`: `0xE3069283`.
/// Its 256-entry table is built at compile time.
pub const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// CRC-32C of `bytes`.
pub fn crc32c(bytes: &[u8]) -> u32 {
    CRC32C.checksum(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }
}
