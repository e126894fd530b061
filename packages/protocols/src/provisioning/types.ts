export type CertStore = 'System' | 'User';

export interface PollSettings {
  intervalForFirstSetOfRetriesMinutes: number;
  numberOfFirstRetries: number;
  intervalForSecondSetOfRetriesMinutes: number;
  numberOfSecondRetries: number;
  intervalForRemainingScheduledRetriesMinutes: number;
  numberOfRemainingScheduledRetries: number;
  pollOnLogin: boolean;
  allUsersPollOnFirstLogin?: boolean;
}

export interface DmClientParm {
  name: string;
  value: string;
  datatype: string;
}

/** w7 APPAUTH credentials used for OMA-DM digest authentication in both directions. */
export interface AppAuth {
  clientName: string;
  clientSecret: string;
  clientNonceBase64: string;
  serverName: string;
  serverSecret: string;
  serverNonceBase64: string;
}

export interface ProvisioningDocInput {
  rootCaThumbprint: string;
  rootCaBase64: string;
  clientCertThumbprint: string;
  clientCertBase64: string;
  certStore: CertStore;
  providerId: string;
  providerName: string;
  managementUrl: string;
  poll: PollSettings;
  extraDmClientParms?: DmClientParm[];
  appAuth?: AppAuth;
  /** CertificateStore/My/WSTEP/Renew: days before expiry to renew, and days between retries. */
  renew?: { renewPeriodDays: number; retryIntervalDays: number };
  /** w7 SSLCLIENTCERTSEARCHCRITERIA, telling the client which certificate to present over TLS. */
  sslClientCertSearchCriteria?: string;
}

export interface ParsedProvisioningDoc {
  rootCertificates: Array<{ thumbprint: string; base64: string }>;
  clientCertificates: Array<{ store: string; thumbprint: string; base64: string }>;
  application: {
    providerId: string;
    name: string;
    addr: string;
    defaultEncoding?: string;
    sslClientCertSearchCriteria?: string;
    appAuth: Array<Record<string, string>>;
  };
  renew?: { robotSupport: boolean; renewPeriodDays?: number; retryIntervalDays?: number };
  poll: Partial<PollSettings>;
  dmClientParms: DmClientParm[];
}
