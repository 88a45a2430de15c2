import { createBrowserRouter } from 'react-router';
import { Loading } from '../components/DataState.tsx';
import { SignInPage } from '../features/auth/components/SignInPage.tsx';
import { Layout } from './Layout.tsx';
import { ChangePasswordPage } from '../features/auth/components/ChangePasswordPage.tsx';
import { NotFoundPage, RouteError } from './RouteError.tsx';

// Pages are lazy: the first load carries the shell only, each page (and its chart/JSON libraries) comes on demand.
export function createRouter() {
  return createBrowserRouter([
    { path: '/sign-in', element: <SignInPage />, errorElement: <RouteError /> },
    {
      path: '/',
      element: <Layout />,
      errorElement: <RouteError />,
      hydrateFallbackElement: <Loading />,
      children: [
        {
          errorElement: <RouteError />,
          children: [
            {
              index: true,
              lazy: () =>
                import('../features/overview/components/OverviewPage.tsx').then((m) => ({ Component: m.OverviewPage })),
            },
            {
              path: 'events',
              lazy: () =>
                import('../features/events/components/EventsPage.tsx').then((m) => ({ Component: m.EventsPage })),
            },
            {
              path: 'events/:svixId',
              lazy: () =>
                import('../features/events/components/EventDetailPage.tsx').then((m) => ({
                  Component: m.EventDetailPage,
                })),
            },
            {
              path: 'deliveries',
              lazy: () =>
                import('../features/deliveries/components/DeliveriesPage.tsx').then((m) => ({
                  Component: m.DeliveriesPage,
                })),
            },
            {
              path: 'deliveries/:id',
              lazy: () =>
                import('../features/deliveries/components/DeliveryDetailPage.tsx').then((m) => ({
                  Component: m.DeliveryDetailPage,
                })),
            },
            {
              path: 'users',
              lazy: () =>
                import('../features/users/components/UsersPage.tsx').then((m) => ({ Component: m.UsersPage })),
            },
            {
              path: 'users/:id',
              lazy: () =>
                import('../features/users/components/UserDetailPage.tsx').then((m) => ({
                  Component: m.UserDetailPage,
                })),
            },
            {
              path: 'organizations',
              lazy: () =>
                import('../features/organizations/components/OrganizationsPage.tsx').then((m) => ({
                  Component: m.OrganizationsPage,
                })),
            },
            {
              path: 'organizations/:id',
              lazy: () =>
                import('../features/organizations/components/OrganizationDetailPage.tsx').then((m) => ({
                  Component: m.OrganizationDetailPage,
                })),
            },
            {
              path: 'drift',
              lazy: () =>
                import('../features/drift/components/DriftPage.tsx').then((m) => ({ Component: m.DriftPage })),
            },
            {
              path: 'incidents',
              lazy: () =>
                import('../features/incidents/components/IncidentsPage.tsx').then((m) => ({
                  Component: m.IncidentsPage,
                })),
            },
            {
              path: 'incidents/:id',
              lazy: () =>
                import('../features/incidents/components/IncidentDetailPage.tsx').then((m) => ({
                  Component: m.IncidentDetailPage,
                })),
            },
            {
              path: 'audit',
              lazy: () =>
                import('../features/audit/components/AuditPage.tsx').then((m) => ({ Component: m.AuditPage })),
            },
            {
              path: 'account/password',
              Component: ChangePasswordPage,
            },
            {
              path: 'failures',
              lazy: () =>
                import('../features/deliveries/components/FailuresPage.tsx').then((m) => ({
                  Component: m.FailuresPage,
                })),
            },
            {
              path: 'admin',
              lazy: () =>
                import('../features/admin/components/AdminPage.tsx').then((m) => ({ Component: m.AdminPage })),
            },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}
