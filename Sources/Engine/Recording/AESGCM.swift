import COpenSSL

/// AES-256-GCM through OpenSSL's EVP interface: the one cipher recordings use,
/// for chunks and for wrapping data keys. Pure functions over byte arrays.
public enum AESGCM {
    public static let keyBytes = 32
    public static let nonceBytes = 12
    public static let tagBytes = 16

    public struct AuthenticationFailure: Error {}

    /// Encrypts `plaintext` and returns ciphertext followed by the 16-byte tag.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) -> [UInt8] {
        precondition(key.count == keyBytes && nonce.count == nonceBytes, "AES-256-GCM needs a 32-byte key and a 12-byte nonce")
        guard let ctx = EVP_CIPHER_CTX_new() else { preconditionFailure("OpenSSL could not allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var length: Int32 = 0
        var ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1
        if ok, !aad.isEmpty { ok = EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 }
        if ok, !plaintext.isEmpty {
            ok = out.withUnsafeMutableBufferPointer { o in
                EVP_EncryptUpdate(ctx, o.baseAddress, &length, plaintext, Int32(plaintext.count)) == 1
            }
        }
        var tail: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: 16)
        if ok { ok = EVP_EncryptFinal_ex(ctx, &scratch, &tail) == 1 && tail == 0 }
        var tag = [UInt8](repeating: 0, count: tagBytes)
        if ok { ok = EVP_CIPHER_CTX_ctrl(ctx, cb_evp_ctrl_gcm_get_tag(), Int32(tagBytes), &tag) == 1 }
        // Encryption with a valid key cannot fail unless libcrypto is broken; never write unsealed data.
        precondition(ok, "OpenSSL AES-256-GCM encryption failed")
        out.replaceSubrange(plaintext.count..., with: tag)
        return out
    }

    /// Decrypts ciphertext+tag; throws when the tag does not match (wrong key,
    /// wrong AAD, or any changed byte). Never returns unauthenticated bytes.
    public static func open(_ sealed: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        guard key.count == keyBytes, nonce.count == nonceBytes, sealed.count >= tagBytes else { throw AuthenticationFailure() }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw AuthenticationFailure() }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let bodyCount = sealed.count - tagBytes
        var tag = Array(sealed[bodyCount...])
        var out = [UInt8](repeating: 0, count: bodyCount)
        var length: Int32 = 0
        var ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1
        if ok, !aad.isEmpty { ok = EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 }
        if ok, bodyCount > 0 {
            ok = sealed.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    EVP_DecryptUpdate(ctx, o.baseAddress, &length, s.baseAddress, Int32(bodyCount)) == 1
                }
            }
        }
        if ok { ok = EVP_CIPHER_CTX_ctrl(ctx, cb_evp_ctrl_gcm_set_tag(), Int32(tagBytes), &tag) == 1 }
        var tail: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: 16)
        if ok { ok = EVP_DecryptFinal_ex(ctx, &scratch, &tail) == 1 }
        guard ok else {
            // Do not leave the unauthenticated plaintext lying around.
            for i in out.indices { out[i] = 0 }
            throw AuthenticationFailure()
        }
        return out
    }
}
