package dev.quiver.admission.identity;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies JWTs with SmallRye JWT against a public key or JWKS ({@code quiver.admission.jwt.public-key-location}):
 * signature, expiry, and issuer and audience when configured. The subject names the caller; a claim (default
 * {@code plan}) names its plan; membership of the admin group (default {@code quiver-admin}) in {@code groups}
 * makes it an admin.
 */
public final class TokenVerifier {

    private final DefaultJWTParser parser;
    private final String planClaim;
    private final String adminGroup;

    public TokenVerifier(String publicKeyLocation, Optional<String> issuer, Optional<String> audience,
                         String planClaim, String adminGroup) {
        JWTAuthContextInfo info = new JWTAuthContextInfo(publicKeyLocation, issuer.orElse(null));
        audience.ifPresent(expected -> info.setExpectedAudience(Set.of(expected)));
        info.setRequireNamedPrincipal(true);
        this.parser = new DefaultJWTParser(info);
        this.planClaim = planClaim;
        this.adminGroup = adminGroup;
    }

    public Verified verify(String token) {
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ParseException e) {
            throw new InvalidCredentialException("bearer token: not a valid token for this service (bad "
                    + "signature, expired, or wrong issuer or audience)");
        }
        Object plan = jwt.getClaim(planClaim);
        return new Verified(jwt.getSubject() != null ? jwt.getSubject() : jwt.getName(),
                plan == null ? Optional.empty() : Optional.of(plan.toString().replace("\"", "")),
                jwt.getGroups() != null && jwt.getGroups().contains(adminGroup));
    }

    public record Verified(String subject, Optional<String> plan, boolean admin) {
    }
}
