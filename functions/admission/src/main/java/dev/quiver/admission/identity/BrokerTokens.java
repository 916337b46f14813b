package dev.quiver.admission.identity;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies the OIDC tokens Knative Eventing's brokers send with their deliveries when the cluster has sender identity
 * ({@code authentication-oidc}) on: a service account token that the cluster's issuer signed for our audience, whose
 * subject is a Trigger's identity. The audience alone proves nothing, since any pod may ask for a token of its own
 * service account with any audience; the subject is what names the broker.
 */
public final class BrokerTokens {

    private final DefaultJWTParser parser;
    private final List<Pattern> subjects;

    /**
     * @param subjects subjects taken for the broker's, {@code *} matching any text, as Knative's EventPolicies
     *                 write them
     */
    public BrokerTokens(String issuer, String jwks, Optional<String> caCertificate, String audience,
                        List<String> subjects) {
        JWTAuthContextInfo info = new JWTAuthContextInfo(jwks, issuer);
        info.setExpectedAudience(Set.of(audience));
        info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.RS256, SignatureAlgorithm.ES256));
        caCertificate.ifPresent(info::setTlsCertificatePath);
        this.parser = new DefaultJWTParser(info);
        this.subjects = subjects.stream().map(BrokerTokens::glob).toList();
    }

    /** The subject of {@code token} when it is a valid broker token, else empty. */
    public Optional<String> subject(String token) {
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ParseException e) {
            return Optional.empty();
        }
        String subject = jwt.getSubject();
        if (subject == null || subjects.stream().noneMatch(pattern -> pattern.matcher(subject).matches())) {
            return Optional.empty();
        }
        return Optional.of(subject);
    }

    private static Pattern glob(String subject) {
        StringBuilder regex = new StringBuilder();
        int start = 0;
        for (int star = subject.indexOf('*'); star >= 0; star = subject.indexOf('*', start)) {
            regex.append(Pattern.quote(subject.substring(start, star))).append(".*");
            start = star + 1;
        }
        return Pattern.compile(regex.append(Pattern.quote(subject.substring(start))).toString());
    }
}
