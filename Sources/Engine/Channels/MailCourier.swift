import Foundation

/// Carries e-mail rows to the mail server: one connection per mail.
public struct MailCourier: Courier {
    let mailer: SMTPMailer

    public init(mailer: SMTPMailer) { self.mailer = mailer }

    public func carry(_ entry: OutboxEntry, now: Date) async -> CourierAnswer {
        guard case let .email(to, subject, body) = entry.call else {
            return CourierAnswer(.failed(reason: "not sendable: row \(entry.id) is not an e-mail"))
        }
        let from = mailer.configuration.from
        let message = MailMessage(from: from, to: to, subject: subject, body: body,
                                  messageID: MailMessage.messageID(idempotencyKey: entry.idempotencyKey, from: from), date: now)
        do {
            let reply = try await mailer.send(message)
            return CourierAnswer(.delivered, receipt: reply.description)
        } catch let e as SMTPError {
            let reason = OutboxText.mask(e.description)
            return CourierAnswer(e.isPermanent ? .failed(reason: reason) : .retry(after: nil, reason: reason))
        } catch let e as ContactError {
            return CourierAnswer(.failed(reason: "not sendable: \(e.message)"))
        } catch {
            return CourierAnswer(.retry(after: nil, reason: OutboxText.mask("mail not sent: \(error)")))
        }
    }
}
